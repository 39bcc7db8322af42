"""The pipeline's own records as the pages show them: the labelling queue, analysts' label counts,
runs, registered models and how far the current model's categories can be trusted.

The Pelabelan queue's query lives in the store layer (``suara.review_queue``) where the CLI shares
it; ``review_queue`` here only applies the filters.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from dashboard.queries.base import connect, frame, run, where
from suara.review_queue import review_queue as labelling_queue

if TYPE_CHECKING:
    from dashboard.filters import Filters

FEW_REAL = 20  # real positives below which nlp/train.py tunes no threshold of its own (MIN_REAL_POSITIVES)
ROUGH_F1 = 0.7  # below this F1 on real reviews a category's count is a rough estimate


# -- Pelabelan --------------------------------------------------------------------------------------
def review_queue(
    db: str | Path, f: Filters, mode: str = "uncertain", n: int = 10, seed: int = 0
) -> pd.DataFrame:
    """The Pelabelan queue in the view: ``suara.review_queue.review_queue`` (groups of unreviewed
    near-duplicates, by expected value of a label, or a random sample) under the filters."""
    cond, params = where(f)
    with connect(db) as con:
        return labelling_queue(con, cond, params, mode, n, seed)


def human_label_counts(db: str | Path) -> dict:
    """Reviewed items in all and since the current model was trained (they go into the next training)."""
    with connect(db) as con:
        version, trained_at, total, since = run(
            con,
            """
            WITH m AS (SELECT version, created_at FROM models WHERE is_current)
            SELECT (SELECT version FROM m), (SELECT created_at FROM m), count(*),
                   count(*) FILTER (WHERE reviewed_at > coalesce((SELECT created_at FROM m), TIMESTAMP '1970-01-01'))
            FROM human_reviews
            """,
        ).fetchone()
        labels = run(con, "SELECT count(*) FROM labels WHERE origin = 'human'").fetchone()[0]
    return {
        "model": version,
        "trained_at": trained_at,
        "reviews": total,
        "since_model": since,
        "labels": labels,
    }


# -- Riwayat -----------------------------------------------------------------------------------------
def runs(db: str | Path, limit: int = 100) -> pd.DataFrame:
    with connect(db) as con:
        return frame(
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
    with connect(db) as con:
        rows = run(
            con,
            "SELECT version, created_at, n_train, is_current, metrics FROM models ORDER BY created_at DESC, version",
        ).fetchall()
    return [
        {"version": v, "created_at": c, "n_train": n, "is_current": cur, "metrics": json.loads(m or "{}")}
        for v, c, n, cur, m in rows
    ]


def category_reliability(db: str | Path) -> dict[str, dict]:
    """The current model's precision, recall, F1 and support per category on the labelled real reviews
    alone (``validation_real`` in its metrics, suara/training.py); empty without a current model or one
    measured on real reviews."""
    current = next((m for m in models(db) if m["is_current"]), {"metrics": {}})
    return (current["metrics"].get("validation_real") or {}).get("per_category", {})


def is_rough(figures: dict) -> bool:
    """A category whose count is a rough estimate: too few real examples to measure, or a weak F1 on them
    (the Kategori page and the monthly report say so)."""
    return figures["support"] < FEW_REAL or figures["f1"] < ROUGH_F1
