"""Kantor: immigration offices ranked by the complaints that mention them, and each office's complaint
categories (praise names offices too, but is no complaint: it is left out of both).

Mentions come from the classifier run (`suara classify` finds them with nlp.offices and stores them
in feedback_offices); names and places come from the gazetteer data/offices.csv.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import charts, common, filters
from dashboard.i18n import num, t
from nlp.offices import load_offices

TOP = 15


@st.cache_data(ttl=3600, show_spinner=False)
def gazetteer() -> pd.DataFrame:
    try:
        rows = load_offices()
    except (OSError, ValueError):
        rows = []
    return pd.DataFrame(
        [(o.office_id, o.name, o.short_name, o.office_class, o.city, o.province) for o in rows],
        columns=["office_id", "name", "short_name", "office_class", "city", "province"],
    )


def stacked(per_category: pd.DataFrame, order: list[str]):
    per_category = per_category.assign(n_label=per_category["n"].map(num))
    chart = (
        alt.Chart(per_category)
        .mark_bar()
        .encode(
            y=alt.Y("short_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=160)),
            x=alt.X("n:Q", title=t("complaints"), axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color(
                "label:N", title=t("category"), legend=alt.Legend(orient="bottom", columns=1, labelLimit=320)
            ),
            tooltip=[
                alt.Tooltip("short_name:N", title=t("office")),
                alt.Tooltip("label:N", title=t("category")),
                alt.Tooltip("n_label:N", title=t("texts")),
            ],
        )
        .properties(height=50 + 34 * len(order))
    )
    return charts.localized(chart)


def render() -> None:
    common.header("page_offices", "offices_intro")
    common.require_data()
    f = filters.current()
    ranking, per_category = common.fetch("offices", f)
    if ranking.empty:
        st.info(t("no_offices"))
        return
    names = gazetteer()
    ranking = ranking.merge(names, on="office_id", how="left")
    ranking["name"] = ranking["name"].fillna(ranking["office_id"])
    ranking["short_name"] = ranking["short_name"].fillna(ranking["office_id"])
    ranking[["city", "province"]] = ranking[["city", "province"]].fillna("–")
    per_category = per_category.merge(ranking[["office_id", "short_name"]], on="office_id", how="left")
    per_category["label"] = per_category["category"].map(common.category_label)

    top_cats = (
        per_category.sort_values("n", ascending=False)
        .groupby("office_id")
        .head(3)
        .assign(item=lambda d: d["label"] + " (" + d["n"].map(num) + ")")
        .groupby("office_id")["item"]
        .agg("; ".join)
    )
    ranking["top_categories"] = ranking["office_id"].map(top_cats).fillna("")

    cols = st.columns(2, border=True)
    cols[0].metric(t("offices_mentioned"), num(len(ranking)))
    cols[1].metric(t("complaints_with_office"), num(int(ranking["complaints"].sum())))

    st.subheader(t("offices_top", n=min(TOP, len(ranking))))
    top = ranking.head(TOP)
    chart_data = per_category[per_category["office_id"].isin(top["office_id"])]
    if not chart_data.empty:
        st.altair_chart(stacked(chart_data, top["short_name"].tolist()), width="stretch")

    st.subheader(t("offices_table"))
    table = ranking.assign(complaints=ranking["complaints"].map(num), mentions=ranking["mentions"].map(num))
    st.dataframe(
        table[["name", "city", "province", "complaints", "mentions", "top_categories"]],
        hide_index=True,
        width="stretch",
        column_config={
            "name": t("office"),
            "city": t("city"),
            "province": t("province"),
            "complaints": st.column_config.TextColumn(t("complaints"), help=t("complaints_help")),
            "mentions": st.column_config.TextColumn(t("mentions")),
            "top_categories": t("top_categories"),
        },
    )

    st.subheader(t("office_texts"))
    ids = ranking["office_id"].tolist()
    office = filters.bound(
        st.selectbox,
        "office",
        default=ids[0],
        parse=filters.one_of(ids),
        label=t("office"),
        options=ids,
        format_func=dict(zip(ranking["office_id"], ranking["name"], strict=True)).get,
    )
    total, rows = common.fetch("texts", f, None, None, office, 1, 10)
    st.caption(t("texts_count_newest", n=num(total), shown=len(rows)))
    common.text_cards(rows)


if __name__ == "__main__":
    render()
