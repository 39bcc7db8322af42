"""The Topik baru page's reads: the period's candidate topics (discovered live, suara/topics.py), what
analysts decided about them (suara/topic_records.py) and how far each added category is from training.

Discovery runs here, not from stored rows, so the page works before any nightly run: the period is the
sidebar's (the newest 9 weeks of data when it is open-ended), its end capped at the newest text. The
result is plain data (``TopicRow``s, pickled by the page's cache); the texts in it are raw, and the page
masks them (``common.md``) before showing.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.queries.base import connect, ts
from suara import topic_records
from suara import topics as found
from suara.taxonomy import load_taxonomy

if TYPE_CHECKING:
    from dashboard.filters import Filters


def topics(db: str | Path, f: Filters, min_count: int = 5) -> dict:
    """{"n": candidate texts, "since", "until", "rows": [TopicRow], "ids": [topic id],
    "status": {topic id: (status, category)}}; rows growing first (``find_topics``' order)."""
    with connect(db) as con:
        end = found.latest(con)
        if end is None:
            return {"n": 0, "since": None, "until": None, "rows": [], "ids": [], "status": {}}
        newest = end + timedelta(seconds=1)
        until = min(ts(f.end), newest) if f.end else newest
        since = ts(f.start) if f.start else until - timedelta(days=found.DEFAULT_DAYS)
        if since >= until:
            return {"n": 0, "since": since, "until": until, "rows": [], "ids": [], "status": {}}
        vocab = found.vocabulary(con)
        n, rows = found.find_topics(con, since, until, min_count=min_count, vocab=vocab)
        ids = [topic_records.topic_id(since, until, r.topic.terms) for r in rows]
        status = topic_records.statuses(con, ids)
    return {"n": n, "since": since, "until": until, "rows": rows, "ids": ids, "status": status}


def added_categories(db: str | Path) -> list[dict]:
    """The analysts' added categories: id, who and when, examples so far, whether the model has it."""
    tax = load_taxonomy()
    if not tax.added_ids:
        return []
    with connect(db) as con:
        model = con.execute("SELECT path FROM models WHERE is_current").fetchall()
        trained = topic_records.model_categories(Path(model[0][0])) if model else set()
        return [
            {
                "id": c.id,
                "added_by": c.added_by,
                "added_at": str(c.added_at)[:10],
                "examples": topic_records.readiness(con, c.id),
                "trained": c.id in trained,
            }
            for c in tax.categories
            if c.added_by
        ]
