"""Peringatan: the spikes the nightly job found, newest first, each with the texts behind it."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboard import common, filters
from dashboard.i18n import num, pct, t

KINDS = ("spike_day", "spike_week", "version_jump", "topic_new")


def kind_label(kind: str) -> str:
    return t(f"alert_{kind}") if kind in KINDS else kind


def category_link(alert: dict) -> dict:
    """Query parameters that open the Kategori page on this alert's category, app, version and period."""
    last = alert["period_end"] - timedelta(seconds=1)
    params = {
        "cat": alert["category"],
        "period": "custom",
        "dates": [f"{alert['period_start']:%Y-%m-%d}", f"{last:%Y-%m-%d}"],
        "app": alert["app_id"],
    }
    if isinstance(alert.get("app_version"), str):
        params["version"] = alert["app_version"]
    return params


def render() -> None:
    common.header("page_alerts", "alerts_intro")
    f = filters.current()
    df = common.fetch("alerts", f, 200)
    if df.empty:
        st.info(t("no_alerts"))
        return
    st.caption(t("alerts_count", n=num(len(df))))
    for i, alert in enumerate(df.to_dict("records")):
        version = f" · v{alert['app_version']}" if isinstance(alert["app_version"], str) else ""
        label = (
            f"{alert['created_at']:%Y-%m-%d} · {kind_label(alert['kind'])} · "
            f"{common.category_label(alert['category'])} · {alert['app_id']}{version}"
        )
        with st.expander(label, expanded=i == 0, icon=":material/trending_up:"):
            cols = st.columns(3)
            fmt = pct if alert["kind"] == "version_jump" else num  # a version jump compares shares
            cols[0].metric(t("observed"), fmt(alert["observed"]))
            cols[1].metric(t("expected"), fmt(alert["expected"]))
            cols[2].metric(t("threshold"), fmt(alert["threshold"]))
            st.caption(
                t(
                    "alert_period",
                    start=f"{alert['period_start']:%Y-%m-%d %H:%M}",
                    end=f"{alert['period_end']:%Y-%m-%d %H:%M}",
                )
            )
            st.markdown(common.md(alert["message"]))
            if alert["kind"] == "topic_new":  # a new topic (suara/topic_records.py): its texts are there
                st.page_link("views/topics.py", label=t("page_topics"), icon=":material/bubble_chart:")
                continue
            key = {k: alert[k] for k in ("app_id", "category", "period_start", "period_end")}
            key["app_version"] = alert["app_version"] if isinstance(alert["app_version"], str) else None
            total, rows = common.fetch("alert_texts", key, 5)
            st.caption(t("texts_count_newest", n=num(total), shown=len(rows)))
            common.text_cards(rows)
            st.page_link(
                "views/category.py",
                label=t("open_in_category"),
                icon=":material/open_in_new:",
                query_params=category_link(alert),
            )


if __name__ == "__main__":
    render()
