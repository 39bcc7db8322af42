"""How often and how fast citizens are answered: SQL aggregates over feedback.reply_text/replied_at.

A review counts as answered when the store shows a non-empty reply; its delay is replied_at minus
created_at (a reply dated before its review, which edited reviews produce, counts as answered but not
in the delay). Every figure is one aggregate query; rows never come into Python. The functions take
an open connection and an optional WHERE clause on ``feedback f`` with its parameters (the dashboard
passes its filters that way), so the CLI and the page share them.

The unanswered queue puts first what most needs an answer: 1-2 stars, then a headline category, then
the newest; reviews young enough for the Play API's one-week window are flagged (after that week the
Play Developer API no longer lists them, though a reply by id still works).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd

from reply.twins import FEED_ID, TWINNED

ANSWERED = "(coalesce(trim(f.reply_text), '') <> '')"
DELAY_H = "(epoch(f.replied_at) - epoch(f.created_at)) / 3600.0"
ONCE = f"f.id NOT IN {TWINNED}"  # one review read by both App Store sources counts once
# A twin is an App Store Connect review (a non-numeric id, reply.twins): without any, no review has one.
_API_REVIEWS = (
    "SELECT 1 FROM feedback WHERE source = 'app_store' AND NOT regexp_full_match(native_id, '[0-9]+') LIMIT 1"
)
API_WINDOW = timedelta(days=7)
REPLYABLE_SOURCES = ("play_store", "app_store")  # through the stores' APIs
QUEUE_SOURCES = (*REPLYABLE_SOURCES, "twitter")  # X replies are out of scope: the page links the tweet
DIMENSIONS = {
    "source": "f.source",
    "app": "f.app_id",
    "rating": "CAST(f.rating AS VARCHAR)",
    "month": "strftime(f.created_at, '%Y-%m')",
    "category": "l.category",
}


def _exec(con: duckdb.DuckDBPyConnection, sql: str, params: dict):
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    return con.execute(sql, used)


def once(con: duckdb.DuckDBPyConnection) -> str:
    """``ONCE``, or ``true`` where the store holds no App Store Connect review (then no feed review has a
    twin): the anti-join over every text costs more than the rest of a figure (issue 18). A caller
    running several figures on one connection may ask once and pass it on (``counted_once``)."""
    return ONCE if con.execute(_API_REVIEWS).fetchall() else "true"


def summary(
    con: duckdb.DuckDBPyConnection,
    cond: str = "true",
    params: dict | None = None,
    *,
    counted_once: str | None = None,
) -> dict:
    """n, answered, share answered, median and 90th-percentile delay (hours) of the filtered feedback."""
    n, answered, median, p90 = _exec(
        con,
        f"""
        SELECT count(*), count(*) FILTER (WHERE {ANSWERED}),
               median({DELAY_H}) FILTER (WHERE {ANSWERED} AND f.replied_at >= f.created_at),
               quantile_cont({DELAY_H}, 0.9) FILTER (WHERE {ANSWERED} AND f.replied_at >= f.created_at)
        FROM feedback f WHERE ({cond}) AND {counted_once or once(con)}
        """,
        params or {},
    ).fetchall()[0]
    return {
        "n": n,
        "answered": answered,
        "share": answered / n if n else None,
        "median_hours": median,
        "p90_hours": p90,
    }


def breakdown(
    con: duckdb.DuckDBPyConnection,
    dimension: str,
    cond: str = "true",
    params: dict | None = None,
    *,
    counted_once: str | None = None,
) -> pd.DataFrame:
    """One row per value of ``dimension`` (source, app, rating, month, category): n, answered, share,
    median delay in hours. By category a review counts once in each of its categories."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; choose one of {', '.join(DIMENSIONS)}")
    join = "JOIN effective_labels l ON l.feedback_seq = f.seq" if dimension == "category" else ""
    return _exec(
        con,
        f"""
        SELECT {DIMENSIONS[dimension]} AS value, count(*) AS n,
               count(*) FILTER (WHERE {ANSWERED}) AS answered,
               count(*) FILTER (WHERE {ANSWERED}) / count(*) AS share,
               median({DELAY_H}) FILTER (WHERE {ANSWERED} AND f.replied_at >= f.created_at) AS median_hours
        FROM feedback f {join} WHERE ({cond}) AND {counted_once or once(con)}
        GROUP BY 1 ORDER BY {"1 DESC" if dimension == "month" else "n DESC, 1"}
        """,
        params or {},
    ).df()


def unanswered_queue(
    con: duckdb.DuckDBPyConnection,
    headline: list[str],
    now: datetime,
    cond: str = "true",
    params: dict | None = None,
    limit: int = 20,
    *,
    counted_once: str | None = None,
) -> pd.DataFrame:
    """The unanswered reviews of the stores one can reply on, and tweets (to open), most urgent first
    (see the module doc),
    without those that already have a reply in the workflow (draft, approved, sending or sent)."""
    return _exec(
        con,
        f"""
        WITH ranked AS (  -- the order on narrow columns first; the texts and categories of the top rows only
            SELECT f.id, f.seq, coalesce(f.rating, 3) <= 2 AS low, f.created_at,
                   f.seq IN (SELECT feedback_seq FROM effective_labels WHERE list_contains($headline, category))
                       AS headline
            FROM feedback f
            WHERE ({cond}) AND {counted_once or once(con)} AND NOT {ANSWERED} AND list_contains($sources, f.source)
              AND f.id NOT IN (SELECT feedback_id FROM replies WHERE state IN ('draft', 'approved', 'sending', 'sent'))
            ORDER BY low DESC, headline DESC, f.created_at DESC, f.id
            LIMIT $limit
        ),
        cats AS (  -- the top rows' categories only, found by row number
            SELECT e.feedback_seq, string_agg(e.category, ',' ORDER BY e.category) AS categories
            FROM effective_labels e WHERE e.feedback_seq IN (SELECT seq FROM ranked) GROUP BY 1
        )
        SELECT f.id, f.source, f.app_id, f.native_id, f.created_at, f.rating, f.app_version, f.title,
               f.text, f.url, c.categories,
               r.headline,
               f.created_at >= $window_start AS in_api_window,
               f.source = 'app_store' AND {FEED_ID.format(t="f")} AS feed_only
        FROM ranked r JOIN feedback f ON f.seq = r.seq LEFT JOIN cats c ON c.feedback_seq = r.seq
        ORDER BY r.low DESC, r.headline DESC, r.created_at DESC, r.id
        """,
        {
            **(params or {}),
            "headline": headline,
            "window_start": now - API_WINDOW,
            "sources": list(QUEUE_SOURCES),
            "limit": limit,
        },
    ).df()
