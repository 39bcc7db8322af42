"""Versi aplikasi: the releases with the most feedback in the period, each category's share of each
release's feedback, and the complaints that jumped from one release to the next.

Which releases and what counts as a jump: dashboard/queries/releases.py (busiest releases, minimum
support, a one-sided two-proportion z-test, complaints only). The volume bars and the list of jumps
read on any screen; the grid keeps its labels short so it fits a phone's 400 px.
"""

from __future__ import annotations

import streamlit as st

from dashboard import apps, charts, common, filters
from dashboard.i18n import num, pct, pp, t
from dashboard.queries import releases
from suara.alerts import ALPHA


def render() -> None:
    common.header("page_versions", "versions_intro")
    common.require_data()
    f = filters.current()
    cols = st.columns(2)
    with cols[0]:
        min_count = filters.bound(
            st.slider,
            "min_n",
            default=30,
            parse=filters.whole_number(1, 500),
            label=t("min_per_release"),
            help=t("min_per_release_help"),
            min_value=1,
            max_value=500,
        )
    with cols[1]:
        limit = filters.bound(
            st.slider,
            "releases",
            default=10,
            parse=filters.whole_number(2, 30),
            label=t("releases_shown"),
            min_value=2,
            max_value=30,
        )
    categories = apps.categories_for(f.apps)  # the selected apps' categories (the taxonomy's app scopes)
    df = common.fetch("versions", f, categories, min_count, limit)
    if df.empty:
        st.info(t("no_versions"))
        return
    order = {c: i for i, c in enumerate(categories)}  # taxonomy order: the headline six first
    df = df.sort_values(["order", "category"], key=lambda c: c.map(order) if c.name == "category" else c)
    df = df.assign(label=df["category"].map(common.category_label))
    per_release = df.drop_duplicates("app_version").sort_values("rank")
    st.subheader(t("releases_by_volume"))
    st.altair_chart(
        charts.hbar(per_release, "app_version", "total", t("texts"), color="#4c78a8", sort=None),
        width="stretch",
    )
    in_order = per_release.sort_values("order")["app_version"].tolist()
    st.altair_chart(charts.share_grid(df, "app_version", t("version"), in_order), width="stretch")
    st.caption(
        t(
            "versions_caption",
            pp=num(releases.JUMP_MIN_PP),
            k=releases.JUMP_MIN_TEXTS,
            alpha=pct(ALPHA, digits=1),
        )
    )

    st.subheader(t("jumps_title"))
    jumps = df[df["jump"]].sort_values(["order", "change"], ascending=[False, False])
    if jumps.empty:
        st.success(t("no_jumps"))
        return
    for row in jumps.itertuples(index=False):
        st.markdown(
            t(
                "jump_line",
                version=common.md(row.app_version),
                previous=common.md(row.previous),
                category=row.label,
                share=pct(row.share),
                change=pp(row.change),
                n=num(row.n),
                total=num(row.total),
            )
        )


if __name__ == "__main__":
    render()
