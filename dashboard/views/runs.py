"""Riwayat: the pipeline's runs (status, counts, errors) and the models, with the current one's metrics."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import common
from dashboard.i18n import num, t
from nlp.pii import mask

STATUS_COLORS = {"success": "green", "failed": "red", "running": "blue"}


def status_label(status: str) -> str:
    return t(f"status_{status}") if status in STATUS_COLORS else status


def metrics_view(metrics: dict) -> None:
    """Numbers as figures, tables (e.g. per category) as tables, anything else as JSON."""
    scalars = {k: v for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    tables = {
        k: v
        for k, v in metrics.items()
        if isinstance(v, dict) and v and all(isinstance(x, dict) for x in v.values())
    }
    if scalars:
        cols = st.columns(min(4, len(scalars)))
        for i, (name, value) in enumerate(scalars.items()):
            cols[i % len(cols)].metric(name, f"{value:.3f}" if isinstance(value, float) else num(value))
    for name, table in tables.items():
        st.markdown(f"**{common.md(name)}**")
        st.dataframe(pd.DataFrame(table).T, width="stretch")
    rest = {k: v for k, v in metrics.items() if k not in scalars and k not in tables}
    if rest:
        with st.expander(t("other_metrics")):
            st.json(rest)


def model_section() -> None:
    st.subheader(t("models_title"))
    models = common.fetch("models")
    current = next((m for m in models if m["is_current"]), None)
    if not current:
        st.info(t("no_model"))
    else:
        st.markdown(
            t(
                "model_current",
                version=current["version"],
                date=f"{current['created_at']:%Y-%m-%d %H:%M}",
                n=num(current["n_train"] or 0),
            )
        )
        metrics_view(current["metrics"])
    if len(models) > 1:
        with st.expander(t("all_models", n=len(models))):
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            t("model"): m["version"],
                            t("trained_at"): m["created_at"],
                            t("n_train"): m["n_train"],
                            t("current"): m["is_current"],
                        }
                        for m in models
                    ]
                ),
                hide_index=True,
                width="stretch",
            )


def runs_section() -> None:
    st.subheader(t("runs_title"))
    runs = common.fetch("runs", 200)
    if runs.empty:
        st.info(t("no_runs"))
        return
    failed = int((runs["status"] == "failed").sum())
    last = runs.iloc[0]
    cols = st.columns(3, border=True)
    cols[0].metric(
        t("last_run"),
        last["job"],
        delta=status_label(last["status"]),
        delta_arrow="off",
        delta_color=STATUS_COLORS.get(last["status"], "gray"),
    )
    cols[1].metric(t("last_run_at"), f"{last['started_at']:%Y-%m-%d %H:%M}")
    cols[2].metric(t("failed_runs"), num(failed), help=t("failed_runs_help", n=len(runs)))
    runs = runs.assign(
        status=runs["status"].map(status_label),
        message=runs["message"].map(mask, na_action="ignore").fillna(""),
        source=runs["source"].fillna("–"),
        app_id=runs["app_id"].fillna("–"),
    )
    st.dataframe(
        runs,
        hide_index=True,
        width="stretch",
        column_config={
            "run_id": st.column_config.NumberColumn("#", format="%d"),
            "job": t("job"),
            "source": t("source"),
            "app_id": t("app"),
            "started_at": st.column_config.DatetimeColumn(t("started_at"), format="YYYY-MM-DD HH:mm"),
            "finished_at": None,
            "seconds": st.column_config.NumberColumn(t("seconds")),
            "status": t("status"),
            "fetched": st.column_config.NumberColumn(t("fetched")),
            "new": st.column_config.NumberColumn(t("new")),
            "updated": st.column_config.NumberColumn(t("updated")),
            "skipped": st.column_config.NumberColumn(t("skipped")),
            "errors": st.column_config.NumberColumn(t("errors")),
            "message": st.column_config.TextColumn(t("message"), width="large"),
        },
    )


def render() -> None:
    common.header("page_runs", "runs_intro")
    model_section()
    runs_section()


if __name__ == "__main__":
    render()
