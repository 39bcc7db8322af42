"""Breakdowns of the view that are not over time: offices, alerts, framework elements, categories.

Kantor ranks offices by complaints and shows complaint categories only: praise names an office too,
but "most complaints" must not count it (``NOT_COMPLAINTS``, from the taxonomy's ``complaint`` flag).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from dashboard.queries.base import NOT_COMPLAINTS, connect, frame, run, ts, where

if TYPE_CHECKING:
    from dashboard.filters import Filters


# -- Kantor ----------------------------------------------------------------------------------------
def offices(db: str | Path, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Offices mentioned in the filtered feedback: (mentions and complaints per office, ranked by
    complaints; per office and complaint category, how many texts)."""
    cond, params = where(f)
    params["not_complaints"] = list(NOT_COMPLAINTS)
    mentions = f"""
        SELECT o.office_id, o.feedback_id FROM feedback_offices o
        WHERE o.feedback_id IN (SELECT f.id FROM feedback f WHERE {cond})
    """
    with connect(db) as con:
        ranking = frame(
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
        per_category = frame(
            con,
            f"""
            WITH m AS ({mentions})
            SELECT m.office_id, l.category, count(*) AS n
            FROM m JOIN effective_labels l ON l.feedback_id = m.feedback_id
            WHERE NOT list_contains($not_complaints, l.category)
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
        params["start"] = ts(f.start)
    if f.end:
        clauses.append("a.period_start < $end")
        params["end"] = ts(f.end)
    if f.apps:
        clauses.append("list_contains($apps, a.app_id)")
        params["apps"] = list(f.apps)
    if f.categories:
        clauses.append("list_contains($categories, a.category)")
        params["categories"] = list(f.categories)
    with connect(db) as con:
        return frame(
            con,
            f"""
            SELECT alert_id, kind, app_id, category, app_version, period_start, period_end, observed,
                   expected, threshold, message, created_at, notified_at
            FROM alerts a WHERE {" AND ".join(clauses)}
            ORDER BY created_at DESC, period_start DESC, alert_id LIMIT $limit
            """,
            params,
        )


# -- Kerangka e-government ---------------------------------------------------------------------------
def framework_counts(db: str | Path, f: Filters, mapping: dict[str, str]) -> tuple[int, pd.DataFrame]:
    """Distinct feedback per framework element, given a category -> element mapping (from the taxonomy):
    a text with two categories of the same element counts once. Returns (feedback in view, per element)."""
    cond, params = where(f)
    params.update(cats=list(mapping), elements=list(mapping.values()))
    with connect(db) as con:
        total = run(con, f"SELECT count(*) FROM feedback f WHERE {cond}", params).fetchone()[0]
        per_element = frame(
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
    with connect(db) as con:
        return frame(
            con,
            f"""
            SELECT l.category, count(*) AS n FROM feedback f JOIN effective_labels l ON l.feedback_id = f.id
            WHERE {cond} GROUP BY 1 ORDER BY n DESC, 1
            """,
            params,
        )
