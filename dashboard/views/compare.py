"""Bandingkan aplikasi: the public-service apps side by side over the sidebar's period and sources.

Per app: volume, average rating, share with a complaint (the taxonomy's complaint flag, within the app's
scope), response rate and median reply delay (reply.metrics, the stores one can answer on), and the share
of each category the apps share, as a table and a chart. A category scoped to one app (the immigration
office: M-Paspor) is named but not compared. The sidebar's app filter picks the apps to compare (none:
all); its rating, version and category filters do not apply here and the page says so. Names come
from the configuration (dashboard/apps.py).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import apps, charts, common, filters
from dashboard.i18n import dec, lang, num, pct, t

TEXTS = {
    "intro": (
        "Aplikasi layanan publik berdampingan: volume masukan, rating, porsi keluhan, kategori yang sama-sama "
        "dimiliki, dan seberapa sering serta cepat warga dijawab. Pilih aplikasi di filter \u201cAplikasi\u201d "
        "(kosong: semua).",
        "Public-service apps side by side: feedback volume, rating, share with a complaint, the categories they "
        "share, and how often and how fast citizens are answered. Pick apps in the \u201cApp\u201d filter "
        "(empty: all).",
    ),
    "ignored": (
        "Filter rating, versi dan kategori tidak berlaku di halaman ini: yang dibandingkan adalah aplikasinya.",
        "The rating, version and category filters do not apply on this page: it compares the apps themselves.",
    ),
    "one_app": (
        "Hanya satu aplikasi yang punya masukan di tampilan ini; tambahkan aplikasi lain di suara.toml "
        "([apps.*]) atau perluas periode.",
        "Only one app has feedback in this view; add apps in suara.toml ([apps.*]) or widen the period.",
    ),
    "no_feedback": ("Tidak ada masukan di tampilan ini.", "No feedback in this view."),
    "summary": ("Ringkasan per aplikasi", "Per app"),
    "app": ("Aplikasi", "App"),
    "n": ("Masukan", "Feedback"),
    "rating": ("Rating rata-rata", "Average rating"),
    "rating_help": (
        "Rata-rata bintang ulasan toko (X tidak punya bintang).",
        "Mean stars of store reviews (X has none).",
    ),
    "complaint": ("Porsi keluhan", "Share with a complaint"),
    "complaint_help": (
        "Masukan dengan sedikitnya satu kategori keluhan (Pujian tidak dihitung).",
        "Feedback with at least one complaint category (praise is not counted).",
    ),
    "response": ("Porsi dijawab", "Response rate"),
    "response_help": (
        "Ulasan Google Play dan App Store yang mendapat balasan (X tidak dihitung).",
        "Google Play and App Store reviews that got a reply (X is left out).",
    ),
    "median": ("Median waktu jawab", "Median time to answer"),
    "categories": ("Kategori yang sama", "Shared categories"),
    "categories_help": (
        "Porsi masukan tiap aplikasi yang menyebut kategori itu; satu masukan bisa punya beberapa kategori.",
        "Share of each app's feedback that raises the category; one text may raise several.",
    ),
    "not_compared": (
        "Tidak dibandingkan (hanya berlaku untuk sebagian aplikasi): {cats}.",
        "Not compared (they apply to some of the apps only): {cats}.",
    ),
    "category": ("Kategori", "Category"),
    "share": ("Porsi", "Share"),
    "texts": ("Teks", "Texts"),
    "hours": ("{n} jam", "{n} h"),
    "days": ("{n} hari", "{n} d"),
}


def tt(key: str, **values) -> str:
    text = TEXTS[key][0 if lang() == "id" else 1]
    return text.format(**values) if values else text


def delay(hours) -> str:
    if hours is None or pd.isna(hours):
        return "–"
    return tt("days", n=num(round(hours / 24, 1))) if hours >= 48 else tt("hours", n=num(round(hours, 1)))


def stars(mean) -> str:
    return "–" if mean is None or pd.isna(mean) else f"{dec(mean, 1)} ★"


def share_bars(cats: pd.DataFrame, order: list[str]):
    """Grouped horizontal bars: one group per shared category, one bar per app."""
    cats = cats.assign(share_label=cats["share"].map(pct), n_label=cats["n"].map(num))
    chart = (
        alt.Chart(cats)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=180)),
            yOffset=alt.YOffset("app:N"),
            x=alt.X("share:Q", title=tt("share"), axis=alt.Axis(format="%")),
            color=alt.Color("app:N", title=tt("app"), legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("app:N", title=tt("app")),
                alt.Tooltip("label:N", title=tt("category")),
                alt.Tooltip("share_label:N", title=tt("share")),
                alt.Tooltip("n_label:N", title=tt("texts")),
            ],
        )
        .properties(height=60 + len(order) * (10 + 12 * cats["app"].nunique()))
    )
    return charts.localized(chart)


def render() -> None:
    st.title(t("page_compare"))
    st.caption(tt("intro"))
    common.require_data()
    f = filters.current()
    st.caption(common.period_caption(f))
    if f.ratings or f.versions or f.categories:
        st.info(tt("ignored"), icon=":material/filter_alt_off:")
    chosen = list(f.apps) or common.fetch("filter_options")["apps"]
    tax = common.taxonomy()
    scope = tuple((a, tuple(tax.ids_for(apps.identifiers(a)))) for a in chosen)
    summary, cats = common.fetch("compare", f, scope)
    if summary.empty:
        st.info(tt("no_feedback"))
        return
    if len(summary) == 1:
        st.info(tt("one_app"))
    names = {a: apps.app_name(a) for a in summary["app_id"]}

    st.subheader(tt("summary"))
    table = pd.DataFrame(
        {
            "app": summary["app_id"].map(names),
            "n": summary["n"].map(num),
            "rating": summary["avg_rating"].map(stars),
            "complaint": summary["complaint_share"].map(pct),
            "response": summary["response_rate"].map(pct),
            "median": summary["median_hours"].map(delay),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "app": tt("app"),
            "n": st.column_config.TextColumn(tt("n")),
            "rating": st.column_config.TextColumn(tt("rating"), help=tt("rating_help")),
            "complaint": st.column_config.TextColumn(tt("complaint"), help=tt("complaint_help")),
            "response": st.column_config.TextColumn(tt("response"), help=tt("response_help")),
            "median": st.column_config.TextColumn(tt("median")),
        },
    )

    st.subheader(tt("categories"), help=tt("categories_help"))
    present = [s for s in scope if s[0] in names]
    compared = set(cats["category"])
    left_out = [c for c in tax.ids if any(c in cs for _, cs in present) and c not in compared]
    if left_out:
        st.caption(tt("not_compared", cats=", ".join(common.category_label(c) for c in left_out)))
    if cats.empty:
        return
    cats = cats.assign(label=cats["category"].map(common.category_label), app=cats["app_id"].map(names))
    order = (
        cats.groupby("label")["share"].mean().sort_values(ascending=False).index.tolist()
    )  # the biggest shared problem first
    st.altair_chart(share_bars(cats, order), width="stretch")
    grid = cats.pivot(index="label", columns="app", values="share").reindex(order)
    grid = grid[[names[a] for a in summary["app_id"]]].map(pct).rename_axis(columns=None).reset_index()
    st.dataframe(grid.rename(columns={"label": tt("category")}), hide_index=True, width="stretch")


if __name__ == "__main__":
    render()
