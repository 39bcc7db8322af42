"""Ringkasan: the headline figures of the period against the one before, and the trend in buckets
chosen from the period (days, weeks or months; see dashboard.queries.trends)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, common, filters, report_download
from dashboard.i18n import formatter, num, pct, pp, t
from dashboard.queries.pipeline import is_rough


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def kpi_cards(k: dict) -> None:
    cur, prev = k["cur"], k["prev"]
    has_prev = bool(prev and prev["n"])
    cols = st.columns(4, border=True)

    change = (cur["n"] - prev["n"]) / prev["n"] if has_prev else None
    cols[0].metric(
        t("kpi_feedback"),
        num(cur["n"]),
        delta=pct(change, signed=True) if change is not None else None,
        delta_color="off",
        help=t("kpi_feedback_help"),
    )

    def share_metric(col, label: str, help_key: str, part: str, whole: str) -> None:
        now = share(cur[part], cur[whole])
        before = share(prev[part], prev[whole]) if has_prev else None
        delta = pp(now - before) if now is not None and before is not None else None
        col.metric(t(label), pct(now), delta=delta, delta_color="inverse", help=t(help_key))

    share_metric(cols[1], "kpi_low", "kpi_low_help", "low", "rated")
    share_metric(cols[2], "kpi_complaint", "kpi_complaint_help", "complaints", "n")

    complaints = {c: n for c, n in cur["categories"].items() if c not in common.queries.NOT_COMPLAINTS}
    if complaints:
        top = max(sorted(complaints), key=complaints.get)
        now = share(complaints[top], cur["n"])
        before = share(prev["categories"].get(top, 0), prev["n"]) if has_prev else None
        delta = pp(now - before) if before is not None else None
        cols[3].metric(t("kpi_top"), pct(now), delta=delta, delta_color="inverse", help=t("kpi_top_help"))
        cols[3].markdown(t("kpi_top_name", name=common.category_label(top), n=num(complaints[top])))
    else:
        cols[3].metric(t("kpi_top"), "–", help=t("kpi_top_help"))


def trend_chart(trend: pd.DataFrame, unit: str, releases: pd.DataFrame | None = None) -> None:
    st.subheader(t("trend_title"))
    measure = st.segmented_control(
        t("measure"),
        ["n", "share"],
        default="share",
        format_func=formatter("measure_"),
        key="trend_measure",
        required=True,
    )
    if trend.empty:
        st.info(t("no_data_filtered"))
        return
    trend = trend.assign(label=trend["category"].map(common.category_label))
    st.altair_chart(
        charts.trend_lines(trend, unit, measure, t(f"axis_{measure}"), t("category"), releases),
        width="stretch",
    )
    st.caption(t(f"trend_caption_{unit}", min=common.queries.MIN_BUCKET))


def category_bars(k: dict) -> None:
    cats = k["cur"]["categories"]
    st.subheader(t("categories_title"))
    if not cats:
        st.info(t("no_labels"))
        return
    df = pd.DataFrame({"category": list(cats), "n": list(cats.values())})
    df["label"] = df["category"].map(common.category_label)
    df["share"] = df["n"] / k["cur"]["n"]
    st.altair_chart(charts.hbar(df, "label", "share", t("share_of_feedback"), kind="share"), width="stretch")
    figures = common.fetch("category_reliability")
    rough = [common.category_label(c) for c in cats if c in figures and is_rough(figures[c])]
    if rough:  # the Kategori page says why for each
        st.caption(t("rough_categories", names=", ".join(rough)))


def render() -> None:
    common.header("page_overview", "overview_intro")
    common.require_data()
    f = filters.current()
    st.caption(common.period_caption(f))
    data = common.fetch("overview", f)
    k = data["kpis"]
    if not k["cur"]["n"]:
        st.info(t("no_data_filtered"))
        return
    kpi_cards(k)
    left, right = st.columns([3, 2], gap="large")
    with left:
        trend_chart(data["trend"], data["unit"], common.fetch("release_marks", f))
    with right:
        category_bars(k)
    report_download.render(f)  # the monthly PDF (report/)


if __name__ == "__main__":
    render()
