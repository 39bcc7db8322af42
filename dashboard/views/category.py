"""Kategori: one category in depth: how far its count can be trusted, trend, share, by source and by
the busiest versions, and the texts behind it.

The trust line comes from the current model's figures on the labelled real reviews alone
(``validation_real`` in its metrics, suara/training.py): precision and recall said as "of every 100".
It is a warning ("perkiraan kasar") when the category has fewer than ``FEW_REAL`` real examples (too
few to measure) or an F1 below ``ROUGH_F1`` on them (``is_rough``, dashboard/queries/pipeline.py), so an
analyst reads those counts as rough.
"""

from __future__ import annotations

import math

import streamlit as st

from dashboard import apps, charts, common, filters
from dashboard.i18n import lang, num, pct, t
from dashboard.queries.pipeline import FEW_REAL, is_rough

PAGE_SIZE = 20


def reliability(category: str) -> None:
    """The trust line of ``category`` (see the module doc); nothing without a model measured on real reviews."""
    r = common.fetch("category_reliability").get(category)
    if not r:
        return
    said = {
        "n": num(r["support"]),
        "precision": round(100 * r["precision"]),
        "recall": round(100 * r["recall"]),
    }
    if r["support"] < FEW_REAL:
        st.warning(t("reliability_few", n=said["n"]), icon=":material/warning:")
    elif is_rough(r):
        st.warning(t("reliability_rough", **said), icon=":material/warning:")
    else:
        st.caption(t("reliability", **said))


def render() -> None:
    common.header("page_category", "category_intro")
    common.require_data()
    f = filters.current()
    tax = common.taxonomy()
    options = apps.categories_for(f.apps)  # the selected apps' categories (the taxonomy's app scopes)
    category = filters.bound(
        st.selectbox,
        "cat",
        default=tax.headline_ids[0],
        parse=filters.one_of(options),
        label=t("category"),
        options=options,
        format_func=common.category_formatter(),
        persist_state="session",
    )
    about = tax.get(category)
    st.caption(about.description if lang() == "en" else t("keywords", words=", ".join(about.keywords)))
    reliability(category)
    d = common.fetch("category_detail", f, category)
    if not d["total"]:
        st.info(t("no_data_filtered"))
        return

    cols = st.columns(3, border=True)
    cols[0].metric(t("texts_in_category"), num(d["n"]))
    cols[1].metric(t("share_of_feedback"), pct(d["n"] / d["total"]))
    cols[2].metric(t("feedback_in_view"), num(d["total"]))

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader(t("trend_title_one"))
        trend = d["trend"].assign(label=common.category_label(category))
        st.altair_chart(
            charts.trend_lines(
                trend, d["unit"], "share", t("axis_share"), t("category"), common.fetch("release_marks", f)
            ),
            width="stretch",
        )
        st.caption(t(f"trend_caption_{d['unit']}", min=common.queries.MIN_BUCKET))
    with right:
        st.subheader(t("by_source"))
        by_source = d["by_source"].assign(label=d["by_source"]["source"].map(filters.source_name))
        st.altair_chart(
            charts.hbar(by_source, "label", "share", t("share_in_source"), kind="share"), width="stretch"
        )
        st.subheader(t("by_version"))
        by_version = d["by_version"].replace({"app_version": {"?": t("no_version")}})
        st.dataframe(
            by_version.assign(
                n=by_version["n"].map(num),
                total=by_version["total"].map(num),
                share=by_version["share"].map(pct),
            )[["app_version", "total", "n", "share"]],
            hide_index=True,
            column_config={
                "app_version": t("version"),
                "total": st.column_config.TextColumn(t("feedback_in_version")),
                "n": st.column_config.TextColumn(t("texts_in_category")),
                "share": st.column_config.TextColumn(t("share")),
            },
            width="stretch",
            height=min(38 + 35 * len(by_version), 420),
        )

    st.subheader(t("texts_title"))
    search = filters.bound(
        st.text_input,
        "q",
        default="",
        parse=filters.text,
        label=t("search"),
        placeholder=t("search_placeholder"),
        icon=":material/search:",
        persist_state="session",
    )
    key = f"text_page_{category}_{search}"
    shown = common.shown_page(key)  # the count and the page in one fetch (one count query, not two)
    # without a search the texts are the category's, counted already (d["n"])
    known = None if search else d["n"]
    total, rows = common.fetch("texts", f, category, search or None, None, shown, PAGE_SIZE, "newest", known)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    top = st.columns([3, 2], vertical_alignment="center")
    top[0].caption(t("texts_count", n=num(total)))
    with top[1]:
        page = st.pagination(pages, key=key) if pages > 1 else 1
    if total:
        if page != shown:
            _, rows = common.fetch(
                "texts", f, category, search or None, None, page, PAGE_SIZE, "newest", known
            )
        common.text_cards(rows, score=True)
    else:
        st.info(t("no_texts"))
    with st.expander(t("download_category"), icon=":material/download:"):
        common.download_buttons(f, key="dl_cat", category=category, search=search or None)


if __name__ == "__main__":
    render()
