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
    complaints; per office and complaint category, how many texts).

    One statement: the mentions in view (the few office mentions joined to the feedback, so the join
    is built on them, not on every text in view) and their complaint labels, each materialised once
    and counted per office and per office and category (before: two statements, each checking the
    mentions against a set of every text in view, issue 18). A mention is one (text, office) pair
    (the table's key), so an office's complaints are its mentioned texts with a complaint label. The
    labels are joined by row number (on the string ids: 133 against 100 ms all time at 1M)."""
    cond, params = where(f)
    params["not_complaints"] = list(NOT_COMPLAINTS)
    with connect(db) as con:
        counts = frame(
            con,
            f"""
            WITH m AS MATERIALIZED (
                SELECT o.office_id, f.seq FROM feedback_offices o JOIN feedback f ON f.id = o.feedback_id
                WHERE {cond}
            ), complaint AS MATERIALIZED (
                SELECT m.office_id, m.seq, l.category
                FROM m JOIN effective_labels l ON l.feedback_seq = m.seq
                WHERE NOT list_contains($not_complaints, l.category)
            )
            SELECT 'mentions' AS kind, office_id, NULL AS category, count(*) AS n FROM m GROUP BY 2
            UNION ALL
            SELECT 'complaints', office_id, NULL, count(DISTINCT seq) FROM complaint GROUP BY 2
            UNION ALL
            SELECT 'category', office_id, category, count(*) FROM complaint GROUP BY 2, 3
            """,
            params,
        )
    kind = counts.pop("kind")
    complaints = counts[kind == "complaints"].set_index("office_id")["n"]
    ranking = counts[kind == "mentions"][["office_id", "n"]].rename(columns={"n": "mentions"})
    ranking["complaints"] = ranking["office_id"].map(complaints).fillna(0)
    ranking = ranking.astype({"mentions": "int64", "complaints": "int64"}).sort_values(
        ["complaints", "mentions", "office_id"], ascending=[False, False, True], ignore_index=True
    )
    per_category = (
        counts[kind == "category"][["office_id", "category", "n"]]
        .astype({"n": "int64"})
        .sort_values(["office_id", "n", "category"], ascending=[True, False, True], ignore_index=True)
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
def frameworks(
    db: str | Path, f: Filters, mappings: dict[str, dict[str, str]]
) -> tuple[int, dict[str, pd.DataFrame], pd.DataFrame]:
    """The Kerangka page in one scan: (feedback in view, per framework its elements' distinct feedback,
    feedback per category of the mappings). ``mappings`` is framework -> {category: element} (from
    the taxonomy); a text with two categories of the same element counts once in it.

    SQL folds each text's categories into a bit mask (one aggregate over the labels in view) and
    counts the texts per mask, a few hundred rows; the elements and categories are summed from those
    here (before: the feedback joined to its labels three times, issue 18). A text holds a category
    once in ``effective_labels``, so a category's texts are its labels."""
    cats = sorted({c for mapping in mappings.values() for c in mapping})
    if len(cats) > 64:
        raise ValueError(f"{len(cats)} categories do not fit a 64-bit mask")
    cond, params = where(f)
    params["cats"] = cats
    with connect(db) as con:
        masks = frame(
            con,
            f"""
            WITH m AS (SELECT unnest($cats) AS category, generate_subscripts($cats, 1) - 1 AS bit),
            per AS (
                SELECT bit_or(1::UBIGINT << m.bit) AS mask
                FROM effective_labels l JOIN m ON m.category = l.category
                WHERE l.feedback_seq IN (SELECT f.seq FROM feedback f WHERE {cond})
                GROUP BY l.feedback_seq
            )
            SELECT mask, count(*) AS n FROM per GROUP BY 1
            """,
            params,
        )
        total = run(con, f"SELECT count(*) FROM feedback f WHERE {cond}", params).fetchone()[0]
    mask_n = [(int(m), int(n)) for m, n in zip(masks["mask"], masks["n"], strict=True)]
    bit = {c: 1 << i for i, c in enumerate(cats)}

    def texts(wanted: int) -> int:
        return sum(n for m, n in mask_n if m & wanted)

    per_framework = {}
    for name, mapping in mappings.items():
        members: dict[str, int] = {}
        for category, element in mapping.items():
            if element is not None:
                members[element] = members.get(element, 0) | bit[category]
        rows = [(e, texts(members[e])) for e in sorted(members)]
        per_framework[name] = pd.DataFrame([r for r in rows if r[1]], columns=["element", "n"]).astype(
            {"n": "int64"}
        )
    counts = [(c, texts(bit[c])) for c in cats]
    per_category = pd.DataFrame(
        sorted((r for r in counts if r[1]), key=lambda r: (-r[1], r[0])), columns=["category", "n"]
    ).astype({"n": "int64"})
    return total, per_framework, per_category


def category_counts(db: str | Path, f: Filters) -> pd.DataFrame:
    """Feedback per category in the view."""
    cond, params = where(f)
    with connect(db) as con:
        return frame(
            con,
            f"""
            SELECT l.category, count(*) AS n FROM feedback f JOIN effective_labels l ON l.feedback_seq = f.seq
            WHERE {cond} GROUP BY 1 ORDER BY n DESC, 1
            """,
            params,
        )
