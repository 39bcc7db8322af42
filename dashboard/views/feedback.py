"""Semua masukan: every text in the view findable, those without a category too.

Full-text search (every word, or a "quoted phrase", case-insensitive) over all the feedback the
sidebar selects, its "tanpa kategori" value included; sorted newest first, by lowest rating or by
most liked; one page at a time from SQL (``dashboard.queries.texts``), masked, each with a link to
the original. The search and the sort live in the address bar like the filters.
"""

from __future__ import annotations

import math

import streamlit as st

from dashboard import common, filters, queries
from dashboard.i18n import formatter, num, t

PAGE_SIZE = 20


def render() -> None:
    common.header("page_feedback", "feedback_intro")
    common.require_data()
    f = filters.current()
    cols = st.columns([3, 2], vertical_alignment="bottom")
    with cols[0]:
        search = filters.bound(
            st.text_input,
            "search",
            default="",
            parse=filters.text,
            label=t("search_all"),
            placeholder=t("search_placeholder"),
            help=t("search_all_help"),
            icon=":material/search:",
        )
    with cols[1]:
        sort = filters.bound(
            st.selectbox,
            "sort",
            default="newest",
            parse=filters.one_of(queries.SORTS),
            label=t("sort"),
            options=list(queries.SORTS),
            format_func=formatter("sort_"),
        )
    key = f"feedback_page_{search}_{sort}"
    shown = common.shown_page(key)  # the count and the page in one fetch (one count query, not two)
    total, rows = common.fetch("texts", f, None, search or None, None, shown, PAGE_SIZE, sort)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    top = st.columns([3, 2], vertical_alignment="center")
    top[0].caption(t("feedback_count", n=num(total)))
    with top[1]:
        page = st.pagination(pages, key=key) if pages > 1 else 1
    if not total:
        st.info(t("no_texts"))
        return
    if page != shown:
        _, rows = common.fetch("texts", f, None, search or None, None, page, PAGE_SIZE, sort)
    common.text_cards(rows, all_categories=True)
    with st.expander(t("download_view"), icon=":material/download:"):
        common.download_buttons(f, key="dl_feedback", search=search or None, sort=sort)


if __name__ == "__main__":
    render()
