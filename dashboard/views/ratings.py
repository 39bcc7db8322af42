"""Rating & sentimen: average stars and the 1-5 distribution over time beside the complaint trend, and
the sentiment of every source, X included (its tweets have no stars), with releases marked.

Figures come from dashboard.queries.ratings (bucketed by the trends' rules, the sidebar's filters);
sentiment is nlp/sentiment.py's, learnt from the reviews' own stars and written by `suara classify`.
A database classified before sentiment existed says how to add it.
"""

from __future__ import annotations

import streamlit as st

from dashboard import charts, common, filters
from dashboard.filters import source_name
from dashboard.i18n import dec, lang, num, pct, t
from dashboard.queries.trends import MIN_BUCKET

TEXTS = {
    "intro": (
        "Rata-rata bintang dan sebaran bintang 1–5 dari waktu ke waktu, di samping tren keluhan, dan "
        "sentimen setiap sumber, termasuk X yang tidak punya bintang. Garis putus-putus: rilis aplikasi "
        "(pertama kali versinya muncul).",
        "Average stars and the 1–5 star distribution over time, beside the complaint trend, and the "
        "sentiment of every source, X included (tweets have no stars). Dashed rules: app releases (the "
        "first time a version appears).",
    ),
    "average": ("Rata-rata bintang", "Average stars"),
    "rated": ("Ulasan berbintang", "Rated reviews"),
    "positive": ("Sentimen positif", "Positive sentiment"),
    "negative": ("Sentimen negatif", "Negative sentiment"),
    "average_help": (
        "Rata-rata rating 1–5 dari ulasan yang memberi bintang pada periode ini.",
        "Mean 1–5 rating of the period's reviews that give stars.",
    ),
    "sentiment_help": (
        "Porsi semua masukan (juga twit) yang dinilai model sentimen; model ini belajar dari bintang "
        "ulasan, tetapi hanya membaca teksnya.",
        "Share of all feedback (tweets too) as the sentiment model reads it; the model learnt from the "
        "reviews' stars but reads only the text.",
    ),
    "stars_title": ("Sebaran bintang", "Star distribution"),
    "average_title": ("Rata-rata bintang", "Average stars"),
    "complaint_title": ("Porsi masukan dengan keluhan", "Share of feedback with a complaint"),
    "sentiment_title": ("Sentimen per sumber", "Sentiment by source"),
    "sentiment_pick": ("Sentimen", "Sentiment"),
    "s_negatif": ("negatif", "negative"),
    "s_netral": ("netral", "neutral"),
    "s_positif": ("positif", "positive"),
    "no_rating": (
        "Tidak ada ulasan berbintang di filter ini (twit dan chat tidak punya bintang).",
        "No rated reviews in this view (tweets and chats have no stars).",
    ),
    "no_sentiment": (
        "Belum ada sentimen: jalankan `suara classify` dengan model yang punya model sentimen "
        "(`suara sentiment train`).",
        "No sentiment yet: run `suara classify` with a model that has a sentiment model "
        "(`suara sentiment train`).",
    ),
    "caption": (
        "Per {unit}; rata-rata dan porsi tidak digambar dari kurang dari {min} teks sebuah periode. "
        "Rilis yang ditandai: {releases}.",
        "Per {unit}; no average or share is drawn from fewer than {min} texts in a period. "
        "Releases marked: {releases}.",
    ),
    "no_releases": ("tidak ada", "none"),
    "unit_day": ("hari", "day"),
    "unit_week": ("minggu", "week"),
    "unit_month": ("bulan", "month"),
}
SENTIMENTS = ("negatif", "netral", "positif")


def tt(key: str, **values) -> str:
    text = TEXTS[key][0 if lang() == "id" else 1]
    return text.format(**values) if values else text


def cards(summary: dict) -> None:
    cols = st.columns(4, border=True)
    cols[0].metric(tt("average"), dec(summary["average"]), help=tt("average_help"))
    cols[1].metric(tt("rated"), num(summary["rated"]))
    scored = sum(summary["sentiment"].values())
    for col, key, name in ((cols[2], "positive", "positif"), (cols[3], "negative", "negatif")):
        share = summary["sentiment"][name] / scored if scored else None
        col.metric(tt(key), pct(share), help=tt("sentiment_help"))


def stars_section(data: dict) -> None:
    unit, releases = data["unit"], data["releases"]
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(tt("average_title"))
        if not data["summary"]["rated"]:
            st.info(tt("no_rating"))
        else:
            st.altair_chart(
                charts.average_line(data["average"], unit, tt("average"), releases), width="stretch"
            )
    with right:
        st.subheader(tt("complaint_title"))
        complaints = data["complaints"].assign(label=tt("complaint_title"))
        st.altair_chart(
            charts.trend_lines(complaints, unit, "share", t("axis_share"), t("category"), releases),
            width="stretch",
        )
    if data["summary"]["rated"]:
        st.subheader(tt("stars_title"))
        st.altair_chart(charts.star_bars(data["stars"], unit, t("axis_share"), releases), width="stretch")


def sentiment_section(data: dict) -> None:
    st.subheader(tt("sentiment_title"))
    df = data["sentiment"]
    if df.empty:
        st.info(tt("no_sentiment"))
        return
    pick = st.segmented_control(
        tt("sentiment_pick"),
        list(SENTIMENTS),
        default="negatif",
        format_func=lambda s: tt(f"s_{s}"),
        key="sentiment_pick",
        required=True,
    )
    lines = df[df["category"] == pick].assign(label=df["source"].map(source_name))
    st.altair_chart(
        charts.trend_lines(lines, data["unit"], "share", t("axis_share"), t("source"), data["releases"]),
        width="stretch",
    )


def render() -> None:
    st.title(t("page_ratings"))
    st.caption(tt("intro"))
    common.require_data()
    f = filters.current()
    st.caption(common.period_caption(f))
    data = common.fetch("rating_trends", f)
    if not data["summary"]["n"]:
        st.info(t("no_data_filtered"))
        return
    cards(data["summary"])
    stars_section(data)
    sentiment_section(data)
    versions = ", ".join(data["releases"]["app_version"]) or tt("no_releases")
    st.caption(tt("caption", unit=tt(f"unit_{data['unit']}"), min=MIN_BUCKET, releases=versions))


if __name__ == "__main__":
    render()
