"""The Topik baru page's reads: the period's candidate topics (recorded by the nightly, or discovered
live: suara/topics.py), what analysts decided about them (suara/topic_records.py) and how far each added
category is from training.

The period is the sidebar's (the newest 9 weeks of data when it is open-ended), its end capped at the
newest text. Discovery over a period takes seconds per ten thousand texts (17 s for the 90-day view at
1M rows, issue 18), too slow for a page, so when a recorded run (the nightly's) lies within that period
its topics are read back as they were found (``topic_records.recorded_run``: the newest such run, which
the page names with its own period and time); only without one, or when the analyst asks for it
(``live``), is discovery run here, so the page still works before any nightly run. The result is plain
data (``TopicRow``s, pickled by the page's cache); the texts in it are raw, and the page masks them
(``common.md``) before showing.
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


def topics(db: str | Path, f: Filters, min_count: int = 5, live: bool = False) -> dict:
    """{"n": candidate texts, "since", "until" (of the topics shown), "rows": [TopicRow], "ids": [topic
    id], "status": {topic id: (status, category)}, "ran_at": when the recorded run was made (None: found
    live now), "requested": the sidebar's (since, until)}; rows growing first (``find_topics``' order).
    ``live``: discover now even when a recorded run lies within the period."""
    empty = {"n": 0, "rows": [], "ids": [], "status": {}, "ran_at": None}
    with connect(db) as con:
        end = found.latest(con)
        if end is None:
            return {**empty, "since": None, "until": None, "requested": (None, None)}
        newest = end + timedelta(seconds=1)
        until = min(ts(f.end), newest) if f.end else newest
        since = ts(f.start) if f.start else until - timedelta(days=found.DEFAULT_DAYS)
        if since >= until:
            return {**empty, "since": since, "until": until, "requested": (since, until)}
        run = None if live else topic_records.recorded_run(con, since, until)
        if run is not None:
            return {**run, "status": topic_records.statuses(con, run["ids"]), "requested": (since, until)}
        vocab = found.vocabulary(con)
        n, rows = found.find_topics(con, since, until, min_count=min_count, vocab=vocab)
        ids = [topic_records.topic_id(since, until, r.topic.terms) for r in rows]
        status = topic_records.statuses(con, ids)
    return {"n": n, "since": since, "until": until, "rows": rows, "ids": ids, "status": status,
            "ran_at": None, "requested": (since, until)}  # fmt: skip


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
