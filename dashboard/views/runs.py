"""Riwayat: the pipeline's runs (status, counts, errors) and the models, with the current one's metrics.

Metrics show under plain names with a help text (not ``macro_f1_headline``), and a model's date is
when it was trained (``trained_at`` in its metrics), not only when it was registered. Numbers are
written in the page's language, in the tables too.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import common
from dashboard.i18n import dec, num, t
from dashboard.texts import TEXTS
from nlp.pii import mask
from suara.store import trained_at

COUNTS = ("seconds", "fetched", "new", "updated", "skipped", "errors")  # shown as the language writes them
STATUS_COLORS = {"success": "green", "failed": "red", "running": "blue"}


def status_label(status: str) -> str:
    return t(f"status_{status}") if status in STATUS_COLORS else status


def metric_label(name: str) -> str:
    """A metric's name in plain words (data/metrics keys such as ``macro_f1_headline`` are not)."""
    key = f"metric_{name}"
    return t(key) if key in TEXTS else name.replace("_", " ")


def metric_value(value) -> str:
    return dec(value, 3) if isinstance(value, float) else num(value)


def scalars_of(metrics: dict) -> dict:
    return {
        k: v
        for k, v in metrics.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and k != "seed"
    }


def metric_cards(metrics: dict) -> None:
    scalars = scalars_of(metrics)
    if not scalars:
        return
    cols = st.columns(min(4, len(scalars)))
    for i, (name, value) in enumerate(scalars.items()):
        help_key = f"metric_{name}_help"
        cols[i % len(cols)].metric(
            metric_label(name), metric_value(value), help=t(help_key) if help_key in TEXTS else None
        )


def per_category_table(table: dict) -> None:
    df = pd.DataFrame(table).T
    df.index = [common.category_label(c) for c in df.index]
    shown = pd.DataFrame(
        {metric_label(c): df[c].map(metric_value) for c in df.columns}, index=df.index
    ).rename_axis(t("category"))
    st.dataframe(shown, width="stretch")


def metrics_view(metrics: dict) -> None:
    """The figures in plain words; an evaluation (on the real reviews alone, validation, test) as its
    figures and per-category table; anything else (sources, confusions) as JSON under "other metrics"."""
    metric_cards(metrics)
    shown = set(scalars_of(metrics))
    for name in ("validation_real", "validation", "test"):
        part = metrics.get(name)
        if not isinstance(part, dict):
            continue
        shown.add(name)
        st.markdown(f"**{metric_label(name)}**")
        if name == "validation_real":
            st.caption(t("validation_real_caption"))
        metric_cards(part)
        if isinstance(part.get("per_category"), dict) and part["per_category"]:
            per_category_table(part["per_category"])
    if isinstance(metrics.get("per_category"), dict):
        shown.add("per_category")
        st.markdown(f"**{metric_label('per_category')}**")
        per_category_table(metrics["per_category"])
    rest = {k: v for k, v in metrics.items() if k not in shown and k != "trained_at"}
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
                version=common.md(current["version"]),
                date=f"{trained_at(current):%Y-%m-%d %H:%M}",
                n=num(current["n_train"] or 0),
                registered=f"{current['created_at']:%Y-%m-%d %H:%M}",
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
                            t("trained_at"): f"{trained_at(m):%Y-%m-%d %H:%M}",
                            t("registered_at"): f"{m['created_at']:%Y-%m-%d %H:%M}",
                            t("n_train"): num(m["n_train"]),
                            t("current"): "✓" if m["is_current"] else "",
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
        **{c: runs[c].map(num) for c in COUNTS},
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
            "seconds": st.column_config.TextColumn(t("seconds")),
            "status": t("status"),
            "fetched": st.column_config.TextColumn(t("fetched")),
            "new": st.column_config.TextColumn(t("new")),
            "updated": st.column_config.TextColumn(t("updated")),
            "skipped": st.column_config.TextColumn(t("skipped")),
            "errors": st.column_config.TextColumn(t("errors")),
            "message": st.column_config.TextColumn(t("message"), width="large"),
        },
    )


def render() -> None:
    common.header("page_runs", "runs_intro")
    model_section()
    runs_section()


if __name__ == "__main__":
    render()
