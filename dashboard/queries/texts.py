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
# A category's page is first looked for among the view's first CANDIDATES texts in the page's order (at
# least CANDIDATE_FACTOR times the rows up to the page's end), for pages that end by CANDIDATE_PAGES.
CANDIDATES = 2000
CANDIDATE_FACTOR = 50
CANDIDATE_PAGES = 200


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
    view = cond  # the view without the category: where a page's candidates come from (below)
    if category:
        cond += " AND f.seq IN (SELECT feedback_seq FROM effective_labels WHERE category = $cat)"
        params["cat"] = category
    for i, term in enumerate(search_terms(search)):
        cond += f" AND (f.text ILIKE $q{i} ESCAPE '\\' OR f.title ILIKE $q{i} ESCAPE '\\')"
        params[f"q{i}"] = _like(term)
    if office:
        cond += " AND f.id IN (SELECT feedback_id FROM feedback_offices WHERE office_id = $office)"
        params["office"] = office
    order = SORTS[sort]
    offset = max(page - 1, 0) * page_size
    page_params = {**params, "cat": category, "limit": page_size, "offset": offset}
    with connect(db) as con:
        if known_total is None:
            total = run(con, f"SELECT count(*) FROM feedback f WHERE {cond}", params).fetchone()[0]
        else:
            total = known_total
        rows = None
        if category and not search and not office and offset + page_size <= CANDIDATE_PAGES:
            # The newest (or lowest, most liked) texts of a category are among the view's first few
            # thousand in that order unless the category is rare: the page is looked for among those
            # first (the category's labels probed with them, not a set of all its texts built), and
            # read in full only when they do not hold the page's rows (it is known how many it has).
            candidates = max(CANDIDATES, CANDIDATE_FACTOR * (offset + page_size))
            ranked = f"""
                SELECT f.* FROM (
                    SELECT f.id, f.seq, f.created_at, f.rating, f.likes FROM feedback f WHERE {view}
                    ORDER BY {order} LIMIT $candidates
                ) f WHERE f.seq IN (SELECT feedback_seq FROM effective_labels WHERE category = $cat)
                ORDER BY {order} LIMIT $limit OFFSET $offset
            """
            rows = frame(con, _page(ranked, order), {**page_params, "candidates": candidates})
            if len(rows) != max(0, min(page_size, total - offset)):
                rows = None
        if rows is None:
            ranked = f"""
                SELECT f.seq, f.created_at, f.rating, f.likes
                FROM feedback f WHERE {cond} ORDER BY {order} LIMIT $limit OFFSET $offset
            """
            rows = frame(con, _page(ranked, order), page_params)
    return total, rows


def _page(ranked: str, order: str) -> str:
    """The page's rows in ``order``: ``ranked`` gives their row numbers and sort columns, narrow; the
    wide columns (texts), labels and sentiment are read for those rows only, found by row number (a
    semi-join on an integer: on the string ids it cost a third more at 1M rows, issue 18)."""
    return f"""
        WITH ranked AS ({ranked}), page AS (
            SELECT f.seq, f.id, f.created_at, f.source, f.app_id, f.rating, f.likes, f.app_version, f.title,
                   f.text, f.url
            FROM feedback f WHERE f.seq IN (SELECT seq FROM ranked)
        ), labels AS (  -- only the page's labels: a page is a few rows, the labels table is not
            SELECT feedback_seq, max(score) FILTER (WHERE category = $cat) AS score,
                   string_agg(category, ', ' ORDER BY category) AS categories
            FROM effective_labels WHERE feedback_seq IN (SELECT seq FROM ranked) GROUP BY 1
        ), sentiment AS (
            SELECT feedback_seq, sentiment FROM feedback_sentiment
            WHERE feedback_seq IN (SELECT seq FROM ranked)
        )
        SELECT f.* EXCLUDE (seq), labels.score, labels.categories, s.sentiment
        FROM page f LEFT JOIN labels ON labels.feedback_seq = f.seq
        LEFT JOIN sentiment s ON s.feedback_seq = f.seq
        ORDER BY {order}
    """


def alert_texts(db: str | Path, alert: dict, limit: int = 10) -> tuple[int, pd.DataFrame]:
    """The texts behind one alert: its app, category (and version) within its period, newest first."""
    cond = (
        "f.app_id = $app AND f.created_at >= $start AND f.created_at < $end "
        "AND f.seq IN (SELECT feedback_seq FROM effective_labels WHERE category = $cat)"
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
