"""Finding texts: one page of the feedback behind a view, searched and sorted, and the rows of a download.

Pages are SQL ``LIMIT``/``OFFSET`` over the filtered feedback, and only the page's labels are read, so
a search over every text costs one count and one page, never the table in Python. Search is literal
and case-insensitive over title and text; every word must occur (``"kode billing"`` in quotes: that
phrase). Texts leave here unmasked: the pages mask them as they draw them (dashboard/common.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from dashboard.queries.base import connect, frame, run, where

if TYPE_CHECKING:
    from dashboard.filters import Filters

SORTS = {  # sort code -> ORDER BY over feedback f
    "newest": "f.created_at DESC, f.id",
    "lowest": "f.rating ASC NULLS LAST, f.created_at DESC, f.id",
    "liked": "f.likes DESC NULLS LAST, f.created_at DESC, f.id",
}
_TERMS = re.compile(r'"([^"]+)"|(\S+)')


def search_terms(search: str | None) -> list[str]:
    """The words (and "quoted phrases") of a search, each to be found as written."""
    return [a or b for a, b in _TERMS.findall(search or "")][:10]


def _like(term: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"


def texts(
    db: str | Path,
    f: Filters,
    category: str | None = None,
    search: str | None = None,
    office: str | None = None,
    page: int = 1,
    page_size: int = 20,
    sort: str = "newest",
    known_total: int | None = None,
) -> tuple[int, pd.DataFrame]:
    """One page of the texts behind a view in ``SORTS[sort]`` order, and how many there are in all
    (``known_total`` where the caller has counted them already: the count query is skipped).

    ``score`` is the label's score for ``category`` (1.0 for an analyst's label); ``categories`` lists
    the item's effective categories (NULL: none).
    """
    cond, params = where(f)
    if category:
        cond += " AND f.id IN (SELECT feedback_id FROM effective_labels WHERE category = $cat)"
        params["cat"] = category
    for i, term in enumerate(search_terms(search)):
        cond += f" AND (f.text ILIKE $q{i} ESCAPE '\\' OR f.title ILIKE $q{i} ESCAPE '\\')"
        params[f"q{i}"] = _like(term)
    if office:
        cond += " AND f.id IN (SELECT feedback_id FROM feedback_offices WHERE office_id = $office)"
        params["office"] = office
    order = SORTS[sort]
    with connect(db) as con:
        if known_total is None:
            total = run(con, f"SELECT count(*) FROM feedback f WHERE {cond}", params).fetchone()[0]
        else:
            total = known_total
        rows = frame(
            con,
            f"""
            WITH ranked AS (  -- the order on narrow columns; the wide ones (texts) of the page's rows only
                SELECT f.id, f.created_at, f.rating, f.likes
                FROM feedback f WHERE {cond} ORDER BY {order} LIMIT $limit OFFSET $offset
            ), page AS (
                SELECT f.id, f.created_at, f.source, f.app_id, f.rating, f.likes, f.app_version, f.title,
                       f.text, f.url
                FROM feedback f WHERE f.id IN (SELECT id FROM ranked)
            ), labels AS (  -- only the page's labels: a page is a few rows, the labels table is not
                SELECT feedback_id, max(score) FILTER (WHERE category = $cat) AS score,
                       string_agg(category, ', ' ORDER BY category) AS categories
                FROM effective_labels WHERE feedback_id IN (SELECT id FROM ranked) GROUP BY 1
            ), sentiment AS (
                SELECT feedback_id, sentiment FROM feedback_sentiment
                WHERE feedback_id IN (SELECT id FROM ranked)
            )
            SELECT f.*, labels.score, labels.categories, s.sentiment
            FROM page f LEFT JOIN labels ON labels.feedback_id = f.id
            LEFT JOIN sentiment s ON s.feedback_id = f.id
            ORDER BY {order}
            """,
            {**params, "cat": category, "limit": page_size, "offset": max(page - 1, 0) * page_size},
        )
    return total, rows


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
    with connect(db) as con:
        total = run(con, f"SELECT count(*) FROM feedback f WHERE {cond}", params).fetchone()[0]
        rows = frame(
            con,
            f"""
            SELECT f.id, f.created_at, f.source, f.rating, f.app_version, f.title, f.text, f.url
            FROM feedback f WHERE {cond} ORDER BY f.created_at DESC, f.id LIMIT $limit
            """,
            {**params, "limit": limit},
        )
    return total, rows


def export_rows(
    db: str | Path,
    f: Filters,
    category: str | None = None,
    search: str | None = None,
    limit: int = 100_000,
    sort: str = "newest",
) -> pd.DataFrame:
    """The filtered view as rows for a CSV/Excel download (not yet masked: see suara.export.safe_frame)."""
    _, rows = texts(db, f, category=category, search=search, page=1, page_size=limit, sort=sort)
    return rows.drop(columns=["score"])
