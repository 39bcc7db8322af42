"""Every SQL query the dashboard runs: aggregates over the filtered feedback, or one page of texts.

Each function opens its own short-lived read-only connection (``suara.store.read_connection``), so the
nightly writer is never locked out for more than a query's milliseconds. These are plain functions of
(database path, filters, ...): the Streamlit layer (dashboard/common.py) caches them with a TTL, and the
benchmark calls them directly (``overview`` is the overview page's whole workload).

Filters arrive as a ``dashboard.filters.Filters``; they become one parameterized WHERE clause on the
feedback table (``f``); categories always come from the ``effective_labels`` view, where an analyst's
labels override the model's. One query lives elsewhere: the Pelabelan queue's, in the store layer
(``suara.review_queue``) where the CLI shares it; ``review_queue`` here only applies the filters.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from suara.review_queue import review_queue as labelling_queue
from suara.store import read_connection

if TYPE_CHECKING:
    from dashboard.filters import Filters

LOCK_WAIT = 5.0  # seconds a query waits for the nightly writer to let go before saying the file is locked
NOT_COMPLAINTS = ("praise",)  # categories that are not complaints: "share with a complaint" leaves them out
JUMP_MIN_PP = 5.0  # a release's category share "jumps" when it rises this many points over the release before
JUMP_MIN_RATIO = 1.5  # ... and to at least this many times the share before
_PARAM = re.compile(r"\$([A-Za-z_]\w*)")


def _ts(d: date | datetime | None) -> datetime | None:
    return d if isinstance(d, datetime) or d is None else datetime(d.year, d.month, d.day)


def where(f: Filters, period: bool = True) -> tuple[str, dict]:
    """The filters as a WHERE clause on ``feedback f`` and its parameters (period optional)."""
    clauses, params = ["true"], {}
    if period and f.start:
        clauses.append("f.created_at >= $start")
        params["start"] = _ts(f.start)
    if period and f.end:
        clauses.append("f.created_at < $end")
        params["end"] = _ts(f.end)
    for column, name, values in (
        ("f.source", "sources", f.sources),
        ("f.app_id", "apps", f.apps),
        ("f.rating", "ratings", f.ratings),
        ("f.app_version", "versions", f.versions),
    ):
        if values:
            clauses.append(f"list_contains(${name}, {column})")
            params[name] = list(values)
    if f.categories:
        clauses.append(
            "f.id IN (SELECT feedback_id FROM effective_labels WHERE list_contains($categories, category))"
        )
        params["categories"] = list(f.categories)
    return " AND ".join(clauses), params


def _run(con, sql: str, params: dict | None = None):
    """Execute with the parameters the statement names (DuckDB rejects extra ones)."""
    used = set(_PARAM.findall(sql))
    return con.execute(sql, {k: v for k, v in (params or {}).items() if k in used})


def _frame(con, sql: str, params: dict | None = None) -> pd.DataFrame:
    return _run(con, sql, params).df()


# -- what there is to filter ------------------------------------------------------------------
def data_range(db: str | Path) -> dict:
    """Oldest and newest feedback (UTC) and how many items: the default period is relative to the newest."""
    with read_connection(db, wait=LOCK_WAIT) as con:
        first, last, n = _run(
            con, "SELECT min(created_at), max(created_at), count(*) FROM feedback"
        ).fetchone()
    return {"first": first, "last": last, "n": n}


def filter_options(db: str | Path) -> dict:
    """Distinct sources, apps and app versions (newest release first) for the filter widgets."""
    with read_connection(db, wait=LOCK_WAIT) as con:
        sources = [r[0] for r in _run(con, "SELECT DISTINCT source FROM feedback ORDER BY 1").fetchall()]
        apps = [r[0] for r in _run(con, "SELECT DISTINCT app_id FROM feedback ORDER BY 1").fetchall()]
        versions = [
            r[0]
            for r in _run(
                con,
                "SELECT app_version FROM feedback WHERE app_version IS NOT NULL "
                "GROUP BY 1 ORDER BY max(created_at) DESC, 1 DESC LIMIT 500",
            ).fetchall()
        ]
    return {"sources": sources, "apps": apps, "versions": versions}


# -- Ringkasan (overview) ----------------------------------------------------------------------
def _overview_view(f: Filters) -> tuple[str, str, dict]:
    """(WHERE clause, "is in the selected period" expression, parameters) over the filtered feedback of
    the selected period and, when it has one, of the period of equal length before it."""
    cond, params = where(f, period=False)
    prev = f.previous()
    lower = prev.start if prev else f.start
    if lower:
        cond += " AND f.created_at >= $lower"
        params["lower"] = _ts(lower)
    if f.end:
        cond += " AND f.created_at < $end"
        params["end"] = _ts(f.end)
    if f.start:
        params["start"] = _ts(f.start)
        return cond, "f.created_at >= $start", params
    return cond, "true", params


def overview(db: str | Path, f: Filters, trend_categories: list[str] | None = None) -> dict:
    """Everything the overview page shows, in one read-only connection (the benchmark's unit of work).

    ``kpis``: for the period (``cur``) and the one before (``prev``, None for an open period) the
    feedback count ``n``, ``rated`` and ``low`` (1-2 stars) counts, ``complaints`` (items with a
    category other than NOT_COMPLAINTS) and ``categories`` {category: items}. ``trend``: per week and
    category of ``trend_categories`` (default: the taxonomy's headline six) in the period, the count
    ``n``, the week's ``total`` and their ``share``.

    The labels are joined to the feedback once, into a temp table of (row, period, week, category)
    that the figures then aggregate: that join is the one cost that grows with the table.
    """
    if trend_categories is None:
        from suara.taxonomy import load_taxonomy

        trend_categories = load_taxonomy().headline_ids
    cond, cur, params = _overview_view(f)
    week = "date_trunc('week', f.created_at)"
    with read_connection(db, wait=LOCK_WAIT) as con:
        weeks = _frame(
            con,
            f"""
            SELECT {cur} AS cur, {week} AS week, count(*) AS total, count(f.rating) AS rated,
                   count(*) FILTER (WHERE f.rating <= 2) AS low
            FROM feedback f WHERE {cond} GROUP BY ALL
            """,
            params,
        )
        _run(
            con,
            f"""
            CREATE OR REPLACE TEMP TABLE _labelled AS
            SELECT f.rowid AS row, {cur} AS cur, {week} AS week, l.category
            FROM feedback f JOIN effective_labels l ON l.feedback_id = f.id WHERE {cond}
            """,
            params,
        )
        per_week = _frame(con, "SELECT cur, week, category, count(*) AS n FROM _labelled GROUP BY ALL")
        complaints = dict(
            _run(
                con,
                "SELECT cur, count(DISTINCT row) FROM _labelled WHERE NOT list_contains($not, category) GROUP BY cur",
                {"not": list(NOT_COMPLAINTS)},
            ).fetchall()
        )
    kpis = {}
    for name, is_cur in (("cur", True), ("prev", False)):
        w = weeks[weeks["cur"] == is_cur]
        c = per_week[per_week["cur"] == is_cur].groupby("category")["n"].sum()
        kpis[name] = {
            "n": int(w["total"].sum()),
            "rated": int(w["rated"].sum()),
            "low": int(w["low"].sum()),
            "complaints": int(complaints.get(is_cur, 0)),
            "categories": {k: int(v) for k, v in c.items()},
        }
    if not f.previous():
        kpis["prev"] = None
    return {
        "kpis": kpis,
        "trend": _weekly_shares(weeks[weeks["cur"]], per_week[per_week["cur"]], trend_categories),
    }


def _weekly_shares(weeks: pd.DataFrame, per_week: pd.DataFrame, categories: list[str]) -> pd.DataFrame:
    """Every (week, category) pair, zero where a category had no text that week, with its share."""
    grid = weeks[["week", "total"]].merge(pd.DataFrame({"category": list(categories)}), how="cross")
    out = grid.merge(per_week[["week", "category", "n"]], on=["week", "category"], how="left")
    out["n"] = out["n"].fillna(0).astype("int64")
    out["share"] = out["n"] / out["total"]
    return out[["week", "category", "n", "total", "share"]].sort_values(
        ["week", "category"], ignore_index=True
    )


def weekly_trend(con, f: Filters, categories: list[str]) -> pd.DataFrame:
    """Per week (Monday, UTC) and category: feedback count and share of that week's feedback."""
    cond, params = where(f)
    week = "date_trunc('week', f.created_at)"
    weeks = _frame(
        con, f"SELECT {week} AS week, count(*) AS total FROM feedback f WHERE {cond} GROUP BY 1", params
    )
    per_week = _frame(
        con,
        f"""
        SELECT {week} AS week, l.category, count(*) AS n
        FROM feedback f JOIN effective_labels l ON l.feedback_id = f.id
        WHERE {cond} AND list_contains($cats, l.category) GROUP BY ALL
        """,
        {**params, "cats": list(categories)},
    )
    return _weekly_shares(weeks, per_week, categories)


# -- Kategori ------------------------------------------------------------------------------------
def category_detail(db: str | Path, f: Filters, category: str) -> dict:
    """One category: weekly trend, share of all feedback, and breakdowns by source and app version."""
    cond, params = where(f)
    params["cat"] = category
    has_cat = "f.id IN (SELECT feedback_id FROM effective_labels WHERE category = $cat)"
    with read_connection(db, wait=LOCK_WAIT) as con:
        total, n = _run(
            con, f"SELECT count(*), count(*) FILTER (WHERE {has_cat}) FROM feedback f WHERE {cond}", params
        ).fetchone()
        trend = weekly_trend(con, f, [category])
        by_source = _frame(
            con,
            f"""
            SELECT f.source, count(*) FILTER (WHERE {has_cat}) AS n, count(*) AS total
            FROM feedback f WHERE {cond} GROUP BY 1 ORDER BY n DESC, 1
            """,
            params,
        )
        by_version = _frame(
            con,
            f"""
            SELECT coalesce(f.app_version, '?') AS app_version, count(*) FILTER (WHERE {has_cat}) AS n,
                   count(*) AS total, min(f.created_at) AS first_seen
            FROM feedback f WHERE {cond} GROUP BY 1 ORDER BY first_seen DESC LIMIT 20
            """,
            params,
        )
    for frame in (by_source, by_version):
        frame["share"] = frame["n"] / frame["total"].where(frame["total"] > 0)
    return {"total": total, "n": n, "trend": trend, "by_source": by_source, "by_version": by_version}


def texts(
    db: str | Path,
    f: Filters,
    category: str | None = None,
    search: str | None = None,
    office: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[int, pd.DataFrame]:
    """One page of the texts behind a view, newest first, and how many there are in all.

    ``score`` is the label's score for ``category`` (1.0 for an analyst's label); ``categories`` lists
    the item's effective categories.
    """
    cond, params = where(f)
    if category:
        cond += " AND f.id IN (SELECT feedback_id FROM effective_labels WHERE category = $cat)"
        params["cat"] = category
    if search:
        cond += " AND (f.text ILIKE $q ESCAPE '\\' OR f.title ILIKE $q ESCAPE '\\')"
        params["q"] = "%" + re.sub(r"([\\%_])", r"\\\1", search) + "%"
    if office:
        cond += " AND f.id IN (SELECT feedback_id FROM feedback_offices WHERE office_id = $office)"
        params["office"] = office
    with read_connection(db, wait=LOCK_WAIT) as con:
        total = _run(con, f"SELECT count(*) FROM feedback f WHERE {cond}", params).fetchone()[0]
        rows = _frame(
            con,
            f"""
            WITH page AS (
                SELECT f.id, f.created_at, f.source, f.app_id, f.rating, f.app_version, f.title, f.text, f.url
                FROM feedback f WHERE {cond}
                ORDER BY f.created_at DESC, f.id LIMIT $limit OFFSET $offset
            ), labels AS (  -- only the page's labels: a page is a few rows, the labels table is not
                SELECT feedback_id, max(score) FILTER (WHERE category = $cat) AS score,
                       string_agg(category, ', ' ORDER BY category) AS categories
                FROM effective_labels WHERE feedback_id IN (SELECT id FROM page) GROUP BY 1
            )
            SELECT page.*, labels.score, labels.categories
            FROM page LEFT JOIN labels ON labels.feedback_id = page.id
            ORDER BY page.created_at DESC, page.id
            """,
            {**params, "cat": category, "limit": page_size, "offset": max(page - 1, 0) * page_size},
        )
    return total, rows


# -- Versi aplikasi ------------------------------------------------------------------------------
def versions(
    db: str | Path, f: Filters, categories: list[str], min_count: int = 10, limit: int = 20
) -> pd.DataFrame:
    """Per release (newest ``limit`` with at least ``min_count`` items) and category: share of the
    release's feedback, the change from the release before it, and whether that change is a jump."""
    cond, params = where(f)
    params.update(
        cats=list(categories), min_count=min_count, limit=limit, pp=JUMP_MIN_PP / 100, ratio=JUMP_MIN_RATIO
    )
    with read_connection(db, wait=LOCK_WAIT) as con:
        return _frame(
            con,
            f"""
            WITH fv AS (
                SELECT f.id, f.app_version, f.created_at FROM feedback f
                WHERE {cond} AND f.app_version IS NOT NULL
            ), rel AS (
                SELECT app_version, count(*) AS total, min(created_at) AS first_seen FROM fv
                GROUP BY 1 HAVING count(*) >= $min_count
                ORDER BY first_seen DESC LIMIT $limit
            ), c AS (
                SELECT fv.app_version, l.category, count(*) AS n
                FROM fv JOIN effective_labels l ON l.feedback_id = fv.id
                GROUP BY ALL
            ), s AS (
                SELECT rel.app_version, rel.first_seen, rel.total, cats.category, coalesce(c.n, 0) AS n,
                       coalesce(c.n, 0) / rel.total AS share
                FROM rel CROSS JOIN (SELECT unnest($cats) AS category) cats
                LEFT JOIN c ON c.app_version = rel.app_version AND c.category = cats.category
            )
            SELECT *, share - lag(share) OVER w AS change,
                   coalesce(share - lag(share) OVER w >= $pp AND share >= $ratio * lag(share) OVER w, false) AS jump
            FROM s
            WINDOW w AS (PARTITION BY category ORDER BY first_seen)
            ORDER BY first_seen DESC, category
            """,
            params,
        )


# -- Kantor ----------------------------------------------------------------------------------------
def offices(db: str | Path, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Offices mentioned in the filtered feedback: (mentions and complaints per office, ranked by
    complaints; per office and category, how many texts)."""
    cond, params = where(f)
    params["not_complaints"] = list(NOT_COMPLAINTS)
    mentions = f"""
        SELECT o.office_id, o.feedback_id FROM feedback_offices o
        WHERE o.feedback_id IN (SELECT f.id FROM feedback f WHERE {cond})
    """
    with read_connection(db, wait=LOCK_WAIT) as con:
        ranking = _frame(
            con,
            f"""
            WITH m AS ({mentions}),
            complaint AS (
                SELECT DISTINCT feedback_id FROM effective_labels
                WHERE NOT list_contains($not_complaints, category)
                  AND feedback_id IN (SELECT feedback_id FROM m)
            )
            SELECT m.office_id, count(*) AS mentions, count(c.feedback_id) AS complaints
            FROM m LEFT JOIN complaint c ON c.feedback_id = m.feedback_id
            GROUP BY 1 ORDER BY complaints DESC, mentions DESC, 1
            """,
            params,
        )
        per_category = _frame(
            con,
            f"""
            WITH m AS ({mentions})
            SELECT m.office_id, l.category, count(*) AS n
            FROM m JOIN effective_labels l ON l.feedback_id = m.feedback_id
            GROUP BY ALL ORDER BY 1, n DESC, 2
            """,
            params,
        )
    return ranking, per_category


# -- Peringatan -------------------------------------------------------------------------------------
def alerts(db: str | Path, f: Filters, limit: int = 200) -> pd.DataFrame:
    """Alerts of the nightly job whose period overlaps the selected one, newest first."""
    clauses, params = ["true"], {"limit": limit}
    if f.start:
        clauses.append("a.period_end > $start")
        params["start"] = _ts(f.start)
    if f.end:
        clauses.append("a.period_start < $end")
        params["end"] = _ts(f.end)
    if f.apps:
        clauses.append("list_contains($apps, a.app_id)")
        params["apps"] = list(f.apps)
    if f.categories:
        clauses.append("list_contains($categories, a.category)")
        params["categories"] = list(f.categories)
    with read_connection(db, wait=LOCK_WAIT) as con:
        return _frame(
            con,
            f"""
            SELECT alert_id, kind, app_id, category, app_version, period_start, period_end, observed,
                   expected, threshold, message, created_at, notified_at
            FROM alerts a WHERE {" AND ".join(clauses)}
            ORDER BY created_at DESC, period_start DESC, alert_id LIMIT $limit
            """,
            params,
        )


def alert_texts(db: str | Path, alert: dict, limit: int = 10) -> tuple[int, pd.DataFrame]:
    """The texts behind one alert: its app, category (and version) within its period, newest first."""
    cond = (
        "f.app_id = $app AND f.created_at >= $start AND f.created_at < $end "
        "AND f.id IN (SELECT feedback_id FROM effective_labels WHERE category = $cat)"
    )
    params = {
        "app": alert["app_id"],
        "start": alert["period_start"],
        "end": alert["period_end"],
        "cat": alert["category"],
    }
    if isinstance(alert.get("app_version"), str):
        cond += " AND f.app_version = $version"
        params["version"] = alert["app_version"]
    with read_connection(db, wait=LOCK_WAIT) as con:
        total = _run(con, f"SELECT count(*) FROM feedback f WHERE {cond}", params).fetchone()[0]
        rows = _frame(
            con,
            f"""
            SELECT f.id, f.created_at, f.source, f.rating, f.app_version, f.title, f.text, f.url
            FROM feedback f WHERE {cond} ORDER BY f.created_at DESC, f.id LIMIT $limit
            """,
            {**params, "limit": limit},
        )
    return total, rows


# -- Pelabelan --------------------------------------------------------------------------------------
def review_queue(
    db: str | Path, f: Filters, mode: str = "uncertain", n: int = 10, seed: int = 0
) -> pd.DataFrame:
    """The Pelabelan queue in the view: ``suara.review_queue.review_queue`` (groups of unreviewed
    near-duplicates, by expected value of a label, or a random sample) under the filters."""
    cond, params = where(f)
    with read_connection(db, wait=LOCK_WAIT) as con:
        return labelling_queue(con, cond, params, mode, n, seed)


def human_label_counts(db: str | Path) -> dict:
    """Reviewed items in all and since the current model was trained (they go into the next training)."""
    with read_connection(db, wait=LOCK_WAIT) as con:
        version, trained_at, total, since = _run(
            con,
            """
            WITH m AS (SELECT version, created_at FROM models WHERE is_current)
            SELECT (SELECT version FROM m), (SELECT created_at FROM m), count(*),
                   count(*) FILTER (WHERE reviewed_at > coalesce((SELECT created_at FROM m), TIMESTAMP '1970-01-01'))
            FROM human_reviews
            """,
        ).fetchone()
        labels = _run(con, "SELECT count(*) FROM labels WHERE origin = 'human'").fetchone()[0]
    return {
        "model": version,
        "trained_at": trained_at,
        "reviews": total,
        "since_model": since,
        "labels": labels,
    }


# -- Kerangka e-government ---------------------------------------------------------------------------
def framework_counts(db: str | Path, f: Filters, mapping: dict[str, str]) -> tuple[int, pd.DataFrame]:
    """Distinct feedback per framework element, given a category -> element mapping (from the taxonomy):
    a text with two categories of the same element counts once. Returns (feedback in view, per element)."""
    cond, params = where(f)
    params.update(cats=list(mapping), elements=list(mapping.values()))
    with read_connection(db, wait=LOCK_WAIT) as con:
        total = _run(con, f"SELECT count(*) FROM feedback f WHERE {cond}", params).fetchone()[0]
        per_element = _frame(
            con,
            f"""
            WITH m AS (SELECT unnest($cats) AS category, unnest($elements) AS element)
            SELECT m.element, count(DISTINCT l.feedback_id) AS n
            FROM feedback f JOIN effective_labels l ON l.feedback_id = f.id JOIN m ON m.category = l.category
            WHERE {cond}
            GROUP BY 1 ORDER BY 1
            """,
            params,
        )
    return total, per_element


def category_counts(db: str | Path, f: Filters) -> pd.DataFrame:
    """Feedback per category in the view."""
    cond, params = where(f)
    with read_connection(db, wait=LOCK_WAIT) as con:
        return _frame(
            con,
            f"""
            SELECT l.category, count(*) AS n FROM feedback f JOIN effective_labels l ON l.feedback_id = f.id
            WHERE {cond} GROUP BY 1 ORDER BY n DESC, 1
            """,
            params,
        )


# -- Riwayat -----------------------------------------------------------------------------------------
def runs(db: str | Path, limit: int = 100) -> pd.DataFrame:
    with read_connection(db, wait=LOCK_WAIT) as con:
        return _frame(
            con,
            """
            SELECT run_id, job, source, app_id, started_at, finished_at,
                   date_diff('second', started_at, finished_at) AS seconds, status,
                   fetched, new, updated, skipped, errors, message
            FROM runs ORDER BY run_id DESC LIMIT $limit
            """,
            {"limit": limit},
        )


def models(db: str | Path) -> list[dict]:
    """Registered models, newest first, with their metrics parsed."""
    with read_connection(db, wait=LOCK_WAIT) as con:
        rows = _run(
            con,
            "SELECT version, created_at, n_train, is_current, metrics FROM models ORDER BY created_at DESC, version",
        ).fetchall()
    return [
        {"version": v, "created_at": c, "n_train": n, "is_current": cur, "metrics": json.loads(m or "{}")}
        for v, c, n, cur, m in rows
    ]


# -- Unduhan (downloads) -----------------------------------------------------------------------------
def export_rows(
    db: str | Path, f: Filters, category: str | None = None, search: str | None = None, limit: int = 100_000
) -> pd.DataFrame:
    """The filtered view as rows for a CSV/Excel download (not yet masked: see suara.export.safe_frame)."""
    total, rows = texts(db, f, category=category, search=search, page=1, page_size=limit)
    return rows.drop(columns=["score"])
