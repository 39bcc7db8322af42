"""Versi aplikasi: each category's share of each release's feedback; jumps from one release to the
next are outlined, so a release that broke something stands out."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, common, filters, queries
from dashboard.i18n import num, pct, pp, t


def render() -> None:
    common.header("page_versions", "versions_intro")
    common.require_data()
    f = filters.current()
    min_count = filters.bound(
        st.slider,
        "min_n",
        default=10,
        parse=filters.whole_number(1, 200),
        encode=str,
        label=t("min_per_release"),
        min_value=1,
        max_value=200,
    )
    categories = common.taxonomy().ids
    df = common.fetch("versions", f, categories, min_count, 20)
    if df.empty:
        st.info(t("no_versions"))
        return
    order = {c: i for i, c in enumerate(categories)}  # taxonomy order: the headline six first
    df = df.sort_values("category", key=lambda c: c.map(order), kind="stable")
    df = df.assign(label=df["category"].map(common.category_label))
    releases = df.sort_values("first_seen").drop_duplicates("app_version")["app_version"].tolist()
    st.altair_chart(charts.share_grid(df, "app_version", t("version"), releases), width="stretch")
    st.caption(t("versions_caption", pp=num(queries.JUMP_MIN_PP), ratio=num(queries.JUMP_MIN_RATIO)))

    st.subheader(t("jumps_title"))
    jumps = df[df["jump"]].sort_values(["first_seen", "change"], ascending=[False, False])
    if jumps.empty:
        st.success(t("no_jumps"))
        return
    for row in jumps.itertuples(index=False):
        st.markdown(
            t(
                "jump_line",
                version=common.md(row.app_version),
                category=row.label,
                share=pct(row.share),
                change=pp(row.change),
                n=num(row.n),
                total=num(row.total),
            )
        )


if __name__ == "__main__":
    render()
