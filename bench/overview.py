"""The overview stage: the dashboard overview page's queries, timed, beside pandas doing the same.

The queries are the page's own (``dashboard.queries``: data range, filter options, KPIs, weekly trend),
in the default view (the last ``DEFAULT_PERIOD``) and over all time; each figure is the median of
``ctx.repeats`` runs after one warming run, as the page's first visitor warms DuckDB's file cache. The
naive way reads every row of feedback and labels into pandas and computes the same figures, which must
equal the SQL ones (so a fast figure cannot be a wrong one). Target: under 500 ms.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from bench.base import Ctx, Timer, peak_mb, row


def stage_overview(ctx: Ctx) -> list[dict]:
    """The overview page's queries (data range, filter options, KPIs, weekly trend): median of repeats;
    then the same figures computed by pandas over the whole table."""
    from dashboard import queries
    from dashboard.filters import DEFAULT_PERIOD, Filters, period_bounds

    db = ctx.db("cls") if ctx.db("cls").exists() else ctx.db("feed")
    labelled = db.name.startswith("cls")
    last = queries.data_range(db)["last"]
    start, end = period_bounds(DEFAULT_PERIOD, last.date())
    views = [
        (f"default view (last {DEFAULT_PERIOD})", Filters(start=start, end=end)),
        ("all time", Filters()),
    ]
    rows, timings = [], {}
    for name, f in views:

        def page(f=f):
            queries.data_range(db)
            queries.filter_options(db)
            return queries.overview(db, f)

        page()  # the first run warms DuckDB's file cache, as the dashboard's first visitor does
        times, cpu = [], 0.0
        for _ in range(ctx.repeats):
            with Timer() as timer:
                result = page()
            times.append(timer.wall * 1000)
            cpu += timer.cpu
        timings[name] = (statistics.median(times), max(times), peak_mb(), result, cpu / ctx.repeats)
    default_name = views[0][0]
    naive_times = []
    for _ in range(3 if ctx.size <= 200_000 else 1):  # slow at 1M: once is enough to see the gap
        with Timer() as naive_timer:
            naive_result = naive_overview(db, views[0][1], queries.NOT_COMPLAINTS)
        naive_times.append(naive_timer.wall * 1000)
    naive_ms = statistics.median(naive_times)
    sql_kpis = timings[default_name][3]["kpis"]["cur"]
    if naive_result != {k: sql_kpis[k] for k in naive_result}:
        raise RuntimeError(f"pandas and SQL disagree: {naive_result} vs {sql_kpis}")
    for name, (median, worst, rss, _result, cpu) in timings.items():
        extra = {"naive": naive_ms, "naive_unit": "ms", "vs": "pandas over the whole table",
                 "ratio": naive_ms / median} if name == default_name else {}  # fmt: skip
        rows.append(row(
            "overview" if name == default_name else "overview_all", f"dashboard overview queries, {name}",
            ctx.size, median, "ms", target="< 500 ms", ok=median < 500, rss_mb=rss, seconds=median / 1000, cpu=cpu,
            note=f"median of {ctx.repeats} (slowest {worst:.0f} ms)" + ("" if labelled else "; no labels (no model)"),
            **extra,
        ))  # fmt: skip
    return rows


def naive_overview(db: Path, f, not_complaints) -> dict:
    """The naive way: every row of feedback and labels into pandas, then the same figures; returns the
    current period's headline figures, which must equal the SQL ones."""
    import pandas as pd

    from suara.store import read_connection

    with read_connection(db) as con:
        fb = con.execute("SELECT * FROM feedback").df()
        labels = con.execute("SELECT * FROM labels").df()
        reviewed = con.execute("SELECT feedback_id FROM human_reviews").df()["feedback_id"]
    _ = (fb["created_at"].min(), fb["created_at"].max(), len(fb), sorted(fb["source"].unique()),
         sorted(fb["app_id"].unique()))  # fmt: skip
    versions = fb.dropna(subset=["app_version"]).groupby("app_version")["created_at"].max()
    _ = versions.sort_values(ascending=False).head(500)
    effective = labels[(labels["origin"] == "human") | ~labels["feedback_id"].isin(reviewed)][
        ["feedback_id", "category"]
    ]
    start, end = pd.Timestamp(f.start), pd.Timestamp(f.end)
    cur = fb[(fb["created_at"] >= start) & (fb["created_at"] < end)]
    cur_labels = effective[effective["feedback_id"].isin(cur["id"])]
    complaints = cur_labels[~cur_labels["category"].isin(list(not_complaints))]["feedback_id"].nunique()
    figures = {
        "n": len(cur),
        "rated": int(cur["rating"].notna().sum()),
        "low": int((cur["rating"] <= 2).sum()),
        "complaints": int(complaints),
        "categories": {k: int(v) for k, v in cur_labels["category"].value_counts().items()},
    }
    prev = fb[(fb["created_at"] >= start - (end - start)) & (fb["created_at"] < start)]
    _ = len(prev), effective[effective["feedback_id"].isin(prev["id"])]["category"].value_counts()
    week = cur["created_at"].dt.to_period("W-SUN").dt.start_time
    totals = week.value_counts()
    merged = cur_labels.merge(cur[["id", "created_at"]], left_on="feedback_id", right_on="id")
    per_week = merged.groupby([merged["created_at"].dt.to_period("W-SUN").dt.start_time, "category"]).size()
    _ = per_week.div(totals, level=0)
    return figures
