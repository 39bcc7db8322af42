"""Counts over time: the data's range, the overview's figures, and trends bucketed to the range.

A trend's bucket follows the period (``bucket_unit``): days for a month or so, weeks up to about nine
months, months beyond, one step coarser while a bucket would hold fewer than ``MIN_BUCKET`` texts on
average. Every bucket of the period is in the result, empty ones too, and a share is left out (NaN)
where its bucket holds fewer than ``MIN_BUCKET`` texts: one review in a week is not "100%", and a
chart never draws a line across a gap. SQL counts per day; the buckets are summed from those counts.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from dashboard.queries.base import NOT_COMPLAINTS, connect, frame, run, ts, where
from suara.records import EARLIEST, latest_time

if TYPE_CHECKING:
    from dashboard.filters import Filters

UNITS = ("day", "week", "month")
MIN_BUCKET = 10  # a share from fewer texts than this is not drawn
MIN_BUCKETS = 4  # a coarser bucket is taken only if the period still spans this many of them
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30.44}
_DAY = "date_trunc('day', f.created_at)"


# -- what there is to filter ------------------------------------------------------------------
def data_range(db: str | Path) -> dict:
    """Oldest and newest feedback (UTC) and how many items: the default period is relative to the newest."""
    with connect(db) as con:
        first, last, n = run(
            con, "SELECT min(created_at), max(created_at), count(*) FROM feedback"
        ).fetchone()
    if (
        last is not None
    ):  # a stray row dated 9999 (stored before imports checked dates) must not move the period
        first, last = max(first, EARLIEST), min(last, latest_time())
    return {"first": first, "last": last, "n": n}


def filter_options(db: str | Path) -> dict:
    """Distinct sources, apps and app versions (newest release first) for the filter widgets."""
    with connect(db) as con:
        sources = [r[0] for r in run(con, "SELECT DISTINCT source FROM feedback ORDER BY 1").fetchall()]
        apps = [r[0] for r in run(con, "SELECT DISTINCT app_id FROM feedback ORDER BY 1").fetchall()]
        versions = [
            r[0]
            for r in run(
                con,
                "SELECT app_version FROM feedback WHERE app_version IS NOT NULL "
                "GROUP BY 1 ORDER BY max(created_at) DESC, 1 DESC LIMIT 500",
            ).fetchall()
        ]
    return {"sources": sources, "apps": apps, "versions": versions}


# -- buckets ------------------------------------------------------------------------------------
def bucket_unit(days: int, n: int) -> str:
    """The bucket for a period of ``days`` days holding ``n`` texts (see the module docstring)."""
    unit = "day" if days <= 45 else "week" if days <= 270 else "month"
    while unit != "month":
        coarser = UNITS[UNITS.index(unit) + 1]
        if n / max(days / _UNIT_DAYS[unit], 1) >= MIN_BUCKET or days / _UNIT_DAYS[coarser] < MIN_BUCKETS:
            break
        unit = coarser
    return unit


def truncate(days: pd.Series, unit: str) -> pd.Series:
    """Each timestamp's bucket start: the day, the Monday of its week, the first of its month."""
    day = pd.to_datetime(days).dt.floor("D")
    if unit == "week":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    if unit == "month":
        return day.dt.to_period("M").dt.to_timestamp()
    return day


def bucketed(
    days: pd.DataFrame,
    per_day: pd.DataFrame,
    categories: list[str],
    start: date | None,
    end: date | None,
    unit: str | None = None,
) -> tuple[str, pd.DataFrame]:
    """(unit, every (bucket, category) of the period with ``n``, the bucket's ``total`` and ``share``).

    ``days`` has (day, total), ``per_day`` (day, category, n). ``share`` is NaN where the bucket holds
    fewer than MIN_BUCKET texts; ``enough`` says which buckets those are. ``unit``: the bucket to use
    instead of the one the period and volume choose (series of one chart share one).
    """
    columns = ["bucket", "category", "n", "total", "share", "enough"]
    if days.empty:
        return "week", pd.DataFrame(columns=columns)
    first = start or pd.Timestamp(days["day"].min()).date()
    last = end - timedelta(days=1) if end else pd.Timestamp(days["day"].max()).date()
    first, last = (
        max(first, EARLIEST.date()),
        min(last, latest_time().date()),
    )  # a stray 9999 row: no 8,000-year grid
    unit = unit or bucket_unit((last - first).days + 1, int(days["total"].sum()))
    grid = truncate(pd.Series(pd.date_range(first, last, freq="D")), unit).drop_duplicates()
    totals = days.assign(bucket=truncate(days["day"], unit)).groupby("bucket")["total"].sum()
    counts = (
        per_day.assign(bucket=truncate(per_day["day"], unit)).groupby(["bucket", "category"])["n"].sum()
        if not per_day.empty
        else pd.Series(dtype="int64")
    )
    out = pd.MultiIndex.from_product([grid, list(categories)], names=["bucket", "category"]).to_frame(
        index=False
    )
    out["total"] = out["bucket"].map(totals).fillna(0).astype("int64")
    out["n"] = [int(counts.get((b, c), 0)) for b, c in zip(out["bucket"], out["category"], strict=True)]
    out["enough"] = out["total"] >= MIN_BUCKET
    out["share"] = (out["n"] / out["total"].where(out["enough"])).astype("float64")
    return unit, out[columns].sort_values(["bucket", "category"], ignore_index=True)


def trend(con, f: Filters, categories: list[str]) -> tuple[str, pd.DataFrame]:
    """``bucketed`` counts of ``categories`` in the filtered period."""
    cond, params = where(f)
    days = frame(
        con, f"SELECT {_DAY} AS day, count(*) AS total FROM feedback f WHERE {cond} GROUP BY 1", params
    )
    per_day = frame(
        con,
        f"""
        SELECT {_DAY} AS day, l.category, count(*) AS n
        FROM feedback f JOIN effective_labels l ON l.feedback_seq = f.seq
        WHERE {cond} AND list_contains($cats, l.category) GROUP BY ALL
        """,
        {**params, "cats": list(categories)},
    )
    return bucketed(days, per_day, categories, f.start, f.end)


# -- Ringkasan (overview) ----------------------------------------------------------------------
def _overview_view(f: Filters) -> tuple[str, str, dict]:
    """(WHERE clause, "is in the selected period" expression, parameters) over the filtered feedback of
    the selected period and, when it has one, of the period of equal length before it."""
    cond, params = where(f, period=False)
    prev = f.previous()
    lower = prev.start if prev else f.start
    if lower:
        cond += " AND f.created_at >= $lower"
        params["lower"] = ts(lower)
    if f.end:
        cond += " AND f.created_at < $end"
        params["end"] = ts(f.end)
    if f.start:
        params["start"] = ts(f.start)
        return cond, "f.created_at >= $start", params
    return cond, "true", params


def overview(db: str | Path, f: Filters, trend_categories: list[str] | None = None) -> dict:
    """Everything the overview page shows, in one read-only connection (the benchmark's unit of work).

    ``kpis``: for the period (``cur``) and the one before (``prev``, None for an open period) the
    feedback count ``n``, ``rated`` and ``low`` (1-2 stars) counts, ``complaints`` (items with a
    category other than NOT_COMPLAINTS) and ``categories`` {category: items}. ``trend``: the
    ``bucketed`` counts of ``trend_categories`` (default: the taxonomy's headline six) in the period,
    ``unit`` its bucket.

    The labels are joined to the feedback once (a materialised CTE of row, period, day and category),
    and one statement aggregates it twice: per day and category, and the complaints per period. That
    join is the one cost that grows with the table. Before, a temp table and two statements over it
    took 228 ms against 160 ms for all time at 1M rows (issue 18).
    """
    if trend_categories is None:
        from suara.taxonomy import load_taxonomy

        trend_categories = load_taxonomy().headline_ids
    cond, cur, params = _overview_view(f)
    with connect(db) as con:
        days = frame(
            con,
            f"""
            SELECT {cur} AS cur, {_DAY} AS day, count(*) AS total, count(f.rating) AS rated,
                   count(*) FILTER (WHERE f.rating <= 2) AS low
            FROM feedback f WHERE {cond} GROUP BY ALL
            """,
            params,
        )
        labelled = frame(
            con,
            f"""
            WITH l AS MATERIALIZED (
                SELECT f.seq, {cur} AS cur, {_DAY} AS day, l.category
                FROM feedback f JOIN effective_labels l ON l.feedback_seq = f.seq WHERE {cond}
            )
            SELECT cur, day, category, count(*) AS n FROM l GROUP BY ALL
            UNION ALL
            SELECT cur, NULL, NULL, count(DISTINCT seq) FROM l WHERE NOT list_contains($not, category) GROUP BY cur
            """,
            {**params, "not": list(NOT_COMPLAINTS)},
        )
    is_day = labelled["category"].notna()
    per_day = labelled[is_day]
    complaints = dict(zip(labelled["cur"][~is_day], labelled["n"][~is_day], strict=True))
    kpis = {}
    for name, is_cur in (("cur", True), ("prev", False)):
        d = days[days["cur"] == is_cur]
        c = per_day[per_day["cur"] == is_cur].groupby("category")["n"].sum()
        kpis[name] = {
            "n": int(d["total"].sum()),
            "rated": int(d["rated"].sum()),
            "low": int(d["low"].sum()),
            "complaints": int(complaints.get(is_cur, 0)),
            "categories": {k: int(v) for k, v in c.items()},
        }
    if not f.previous():
        kpis["prev"] = None
    current = per_day[per_day["cur"] & per_day["category"].isin(trend_categories)]
    unit, trend_df = bucketed(days[days["cur"]], current, trend_categories, f.start, f.end)
    return {"kpis": kpis, "trend": trend_df, "unit": unit}


# -- Kategori ------------------------------------------------------------------------------------
def category_detail(db: str | Path, f: Filters, category: str) -> dict:
    """One category: its trend, share of all feedback, and breakdowns by source and app version
    (the releases with the most feedback in the view first).

    The filtered feedback is scanned once and grouped by (source, version, day, has the category):
    some thousands of rows, from which the five figures are summed here (five scans of feedback
    before, then a temp table of every row in view, issue 18)."""
    cond, params = where(f)
    params["cat"] = category
    with connect(db) as con:
        cells = frame(
            con,
            f"""
            SELECT f.source, coalesce(f.app_version, '?') AS app_version, {_DAY} AS day,
                   f.seq IN (SELECT feedback_seq FROM effective_labels WHERE category = $cat) AS has,
                   count(*) AS n
            FROM feedback f WHERE {cond} GROUP BY ALL
            """,
            params,
        )
    cells = cells.assign(hit=cells["n"].where(cells["has"], 0))
    total, n = int(cells["n"].sum()), int(cells["hit"].sum())
    days = cells.groupby("day", as_index=False).agg(total=("n", "sum"))
    per_day = (
        cells[cells["has"]].groupby("day", as_index=False).agg(n=("n", "sum")).assign(category=category)
    )[["day", "category", "n"]]
    unit, trend_df = bucketed(days, per_day, [category], f.start, f.end)

    def by(column: str, order: list[str], ascending: list[bool]) -> pd.DataFrame:
        out = cells.groupby(column, as_index=False).agg(n=("hit", "sum"), total=("n", "sum"))
        return out.sort_values(order, ascending=ascending, ignore_index=True).astype(
            {"n": "int64", "total": "int64"}
        )

    by_source = by("source", ["n", "source"], [False, True])
    by_version = by("app_version", ["total", "app_version"], [False, True]).head(20)
    for df in (by_source, by_version):
        df["share"] = df["n"] / df["total"].where(df["total"] > 0)
    return {
        "total": total,
        "n": n,
        "trend": trend_df,
        "unit": unit,
        "by_source": by_source,
        "by_version": by_version,
    }
