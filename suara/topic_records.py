"""Recorded topics and what analysts decide about them: dismiss, merge into a category, promote to one.

``record`` stores the topics of one discovery run (suara/topics.py ``find_topics``) with their member
feedback, in one transaction, and the run as a whole (``topic_runs``) so that ``recorded_run`` can give
the Topik baru page the nightly's topics without discovering again (seconds at a million rows). A
topic's id is a hash of its period and its sorted top terms, so running discovery twice over the same
period updates the rows instead of adding new ones, and a decision made on a topic stays with it. A theme dismissed once stays dismissed when a later period finds it again
with the same three top terms (``signature``).

The decisions, each recorded on the topic with who and when:

- **dismiss**: not a theme worth a category; hidden from the Topik baru page.
- **merge** into an existing category: every member text nobody has labelled yet gets that category
  proposed (``label_proposals``); the Pelabelan queue shows those texts first, the category
  preselected, for an analyst to confirm or correct (suara/review_queue.py). Nothing is labelled
  without a person looking at the text.
- **promote** to a new category: the category is appended to the taxonomy's additions file
  (suara/taxonomy.py ``add_category``: id, Indonesian and English label, description, the analyst's
  name and date), and the member texts nobody has labelled yet become its first human labels (the
  category added to what is in effect for each). The classifier trains the new category once the
  training set has ``MIN_EXAMPLES`` of them (suara/training.py); until then ``readiness`` says how far.

``nightly_step`` is the nightly job's step: discovery over the newest period (the last week and its
8-week baseline), recorded, and one alert per new topic that grows faster than its past explains and
matches no category, through suara/alerts.py ``record`` (the same episode deduplication: the alert's
category is the topic's signature, so a theme growing for several nights is one alert) and so through
the same webhook step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa

from suara.human_labels import save_human_labels
from suara.store import Store, StoreError, first_row, utcnow
from suara.taxonomy import add_category, load_taxonomy
from suara.topics import TopicRow
from suara.training import DEFAULT, MIN_ADDED_EXAMPLES, held_out

MIN_EXAMPLES = MIN_ADDED_EXAMPLES  # labelled examples a new category needs before the model learns it
STATUSES = ("new", "dismissed", "merged", "promoted")
ALERT_KIND = "topic_new"


class TopicError(Exception):
    """A decision on a topic that cannot be made (the message says why and what to do)."""


def topic_id(since: datetime, until: datetime, terms: tuple[str, ...]) -> str:
    """The topic's key: its period (days) and sorted top five terms, hashed."""
    key = f"{since:%Y-%m-%d}|{until:%Y-%m-%d}|{','.join(sorted(terms[:5]))}"
    return "t" + hashlib.sha256(key.encode()).hexdigest()[:10]


def signature(terms: tuple[str, ...]) -> str:
    return ",".join(sorted(terms[:3]))


def name_of(terms: tuple[str, ...]) -> str:
    return ", ".join(terms[:3])


def record(
    store: Store,
    rows: list[TopicRow],
    since: datetime,
    until: datetime,
    candidates: int | None = None,
    model_version: str | None = None,
) -> list[str]:
    """Store the topics found over [since, until) and their members; returns the ids not stored before.

    With ``candidates`` (the number of texts discovery grouped) ``rows`` are the whole run, stored as
    such in ``topic_runs`` (replacing an earlier run over the same period) so the page can show it as
    found (``recorded_run``); without, only these topics are stored (a decision on one topic)."""
    now = utcnow()
    ids = [topic_id(since, until, r.topic.terms) for r in rows]
    table = pa.table(
        {
            "topic_id": pa.array(ids, pa.string()),
            "name": [name_of(r.topic.terms) for r in rows],
            "terms": pa.array([list(r.topic.terms) for r in rows], pa.list_(pa.string())),
            "signature": [signature(r.topic.terms) for r in rows],
            "size": pa.array([r.topic.size for r in rows], pa.int32()),
            "distinct_texts": pa.array([r.topic.distinct for r in rows], pa.int32()),
            "weekly": pa.array([list(r.weekly) for r in rows], pa.list_(pa.int32())),
            "last_week": pa.array([r.last_week for r in rows], pa.int32()),
            "expected": pa.array([float(r.expected) for r in rows], pa.float64()),
            "threshold": pa.array([float(r.threshold) for r in rows], pa.float64()),
            "tested": pa.array([r.tested for r in rows], pa.bool_()),
            "growing": pa.array([r.growing for r in rows], pa.bool_()),
            "similar_category": pa.array([r.topic.similar_to for r in rows], pa.string()),
            "similarity": pa.array([float(r.topic.similarity) for r in rows], pa.float64()),
        }
    )
    members = pa.table(
        {
            "topic_id": pa.array(
                [i for i, r in zip(ids, rows, strict=True) for _ in r.member_ids], pa.string()
            ),
            "feedback_id": pa.array([m for r in rows for m in r.member_ids], pa.string()),
        }
    )
    store.con.register("_topics", table)
    store.con.register("_members", members)
    try:
        with store.transaction() as con:
            new = [
                r[0]
                for r in con.execute(
                    "SELECT topic_id FROM _topics ANTI JOIN topics USING (topic_id) ORDER BY 1"
                ).fetchall()
            ]
            con.execute(
                """
                INSERT INTO topics
                SELECT t.topic_id, $since, $until, t.name, t.terms, t.signature, t.size, t.distinct_texts,
                       t.weekly, t.last_week, t.expected, t.threshold, t.tested, t.growing,
                       t.similar_category, t.similarity,
                       CASE WHEN EXISTS (SELECT 1 FROM topics d WHERE d.signature = t.signature
                                         AND d.status = 'dismissed') THEN 'dismissed' ELSE 'new' END,
                       NULL, NULL, NULL, $now, $now
                FROM _topics t
                ON CONFLICT (topic_id) DO UPDATE SET
                    size = excluded.size, distinct_texts = excluded.distinct_texts, weekly = excluded.weekly,
                    last_week = excluded.last_week, expected = excluded.expected,
                    threshold = excluded.threshold, tested = excluded.tested, growing = excluded.growing,
                    similar_category = excluded.similar_category, similarity = excluded.similarity,
                    updated_at = excluded.updated_at
                """,
                {"since": since, "until": until, "now": now},
            )
            # members are replaced for the rows that carry them (a row read back from a run has none)
            con.execute("DELETE FROM topic_members WHERE topic_id IN (SELECT topic_id FROM _members)")
            con.execute("INSERT INTO topic_members SELECT DISTINCT topic_id, feedback_id FROM _members")
            if candidates is not None:
                con.execute(
                    "INSERT OR REPLACE INTO topic_runs VALUES ($since, $until, $n, $ids, $examples, $model, $now)",
                    {"since": since, "until": until, "n": candidates, "ids": ids, "model": model_version,
                     "examples": [list(r.example_ids) for r in rows], "now": now},
                )  # fmt: skip
    finally:
        store.con.unregister("_topics")
        store.con.unregister("_members")
    return new


def get(con, tid: str) -> dict:
    """One recorded topic as a dict; TopicError when there is none."""
    row = con.execute("SELECT * FROM topics WHERE topic_id = ?", [tid]).fetchdf()
    if row.empty:
        raise TopicError(
            f"no recorded topic {tid!r}; list them with `suara topics --record` (ids are shown as t...)"
        )
    return row.iloc[0].to_dict()


def statuses(con, ids: list[str]) -> dict[str, tuple[str, str | None]]:
    """{topic_id: (status, category)} of the recorded topics among ``ids``."""
    rows = con.execute(
        "SELECT topic_id, status, category FROM topics WHERE topic_id IN (SELECT unnest(?))", [ids]
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def recorded_run(con, since: datetime, until: datetime) -> dict | None:
    """The newest recorded run whose period lies within [since, until) (the longest of those ending
    last), as ``find_topics`` returned it: {"since", "until", "n", "rows": [TopicRow], "ids",
    "ran_at", "model"}; None when there is none (or the file predates ``topic_runs``: the page then
    discovers live). Its rows carry what was recorded: no c-TF-IDF weights, no member indices, and
    the examples' current texts."""
    from nlp.topics import Topic

    if not first_row(con, "SELECT 1 FROM information_schema.tables WHERE table_name = 'topic_runs'"):
        return None
    run = first_row(
        con,
        "SELECT period_start, period_end, candidates, topic_ids, examples, model_version, ran_at "
        "FROM topic_runs WHERE period_start >= $since AND period_end <= $until "
        "ORDER BY period_end DESC, period_start, ran_at DESC LIMIT 1",
        {"since": since, "until": until},
    )
    if run is None:
        return None
    start, end, n, ids, examples, model, ran_at = run
    cols = ("topic_id, terms, size, distinct_texts, weekly, last_week, expected, threshold, tested, growing, "
            "similar_category, similarity")  # fmt: skip
    found = {
        r[0]: r
        for r in con.execute(
            f"SELECT {cols} FROM topics WHERE topic_id IN (SELECT unnest(?))", [ids]
        ).fetchall()
    }
    # the members are texts of the run's period: saying so lets DuckDB skip the rest of the table
    period = {"ids": ids, "since": start, "until": end}
    newest = dict(
        con.execute(
            "SELECT m.topic_id, max(f.created_at) FROM topic_members m JOIN feedback f ON f.id = m.feedback_id "
            "WHERE m.topic_id IN (SELECT unnest($ids)) AND f.created_at >= $since AND f.created_at < $until "
            "GROUP BY 1",
            period,
        ).fetchall()
    )
    wanted = {**period, "ids": [e for ex in examples for e in ex]}
    texts = dict(
        con.execute(
            "SELECT id, text FROM feedback WHERE id IN (SELECT unnest($ids)) "
            "AND created_at >= $since AND created_at < $until",
            wanted,
        ).fetchall()
    )
    rows, kept = [], []
    for i, (tid, ex) in enumerate(zip(ids, examples, strict=True)):
        if tid not in found or tid not in newest:  # a topic whose texts were all deleted since
            continue
        t = found[tid]
        _, terms, size, distinct, weekly, last, expected, threshold, tested, growing, similar, sim = t
        shown = tuple(e for e in ex if e in texts)
        topic = Topic(id=i, terms=tuple(terms), weights=(), size=size, distinct=distinct, members=(),
                      examples=(), similar_to=similar, similarity=sim or 0.0)  # fmt: skip
        rows.append(
            TopicRow(topic=topic, weekly=tuple(weekly), last_week=last, expected=expected, threshold=threshold,
                     tested=tested, growing=growing, newest=newest[tid],
                     examples=tuple(texts[e] for e in shown), example_ids=shown)
        )  # fmt: skip
        kept.append(tid)
    return {"since": start, "until": end, "n": n, "rows": rows, "ids": kept, "ran_at": ran_at, "model": model}


def _open(tid: str, t: dict) -> None:
    if t["status"] != "new":
        extra = f" ({t['category']})" if t["category"] else ""
        raise TopicError(f"topic {tid} is already {t['status']}{extra} by {t['decided_by']}; nothing changed")


def _decided(con, tid: str, status: str, category: str | None, by: str) -> None:
    con.execute(
        "UPDATE topics SET status = ?, category = ?, decided_by = ?, decided_at = ? WHERE topic_id = ?",
        [status, category, by, utcnow(), tid],
    )


def _who(by: str) -> str:
    if not (by or "").strip():
        raise TopicError("say who decides (the analyst's name: --by NAME)")
    return by.strip()


def _unreviewed(con, tid: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT m.feedback_id FROM topic_members m JOIN feedback f ON f.id = m.feedback_id "
            "WHERE m.topic_id = ? AND m.feedback_id NOT IN (SELECT feedback_id FROM human_reviews) ORDER BY 1",
            [tid],
        ).fetchall()
    ]


def dismiss(store: Store, tid: str, by: str) -> None:
    by = _who(by)
    with store.transaction() as con:
        _open(tid, get(con, tid))
        _decided(con, tid, "dismissed", None, by)


def merge(store: Store, tid: str, category: str, by: str) -> int:
    """Propose ``category`` for the topic's unlabelled texts (the Pelabelan queue); returns how many."""
    by = _who(by)
    tax = load_taxonomy()
    if category not in tax.ids:
        raise TopicError(f"unknown category {category!r}; known: {', '.join(tax.ids)}")
    with store.transaction() as con:
        _open(tid, get(con, tid))
        ids = _unreviewed(con, tid)
        con.execute(
            "INSERT OR REPLACE INTO label_proposals SELECT unnest($ids), $cat, $tid, $by, $now",
            {"ids": ids, "cat": category, "tid": tid, "by": by, "now": utcnow()},
        )
        _decided(con, tid, "merged", category, by)
    return len(ids)


def promote(
    store: Store,
    tid: str,
    category_id: str,
    label_id: str,
    label_en: str,
    description: str,
    by: str,
    local: Path | None = None,
) -> int:
    """Add the topic as a new category and label its unlabelled texts with it; returns how many."""
    by = _who(by)
    t = get(store.con, tid)
    _open(tid, t)
    add_category(
        category_id, label_id, label_en, description, by, keywords=tuple(t["terms"][:5]), when=utcnow(),
        local=local,
    )  # fmt: skip
    ids = _unreviewed(store.con, tid)
    current = dict(
        store.con.execute(
            "SELECT feedback_id, list(category) FROM effective_labels "
            "WHERE feedback_id IN (SELECT unnest(?)) GROUP BY 1",
            [ids],
        ).fetchall()
    )
    try:
        save_human_labels(store, [(i, {*current.get(i, []), category_id}, by) for i in ids])
        with store.transaction() as con:
            _decided(con, tid, "promoted", category_id, by)
    except (StoreError, ValueError) as exc:
        raise TopicError(
            f"category {category_id} was added but its texts were not labelled ({exc}); "
            f"label them from the Pelabelan page or `suara topics merge {tid} {category_id}`"
        ) from None
    return len(ids)


def readiness(con, category: str) -> int:
    """The analysts' examples of ``category`` the next training will learn from (near-duplicates once,
    the promotion gate's held-out share left out, as suara/training.py counts them)."""
    rows = con.execute(
        "SELECT min(f.id) FROM labels l JOIN feedback f ON f.id = l.feedback_id "
        "WHERE l.origin = 'human' AND l.category = ? GROUP BY coalesce(f.dup_key, '#' || f.id)",
        [category],
    ).fetchall()
    return sum(not held_out(r[0], DEFAULT.human_holdout) for r in rows)


def nightly_step(
    open_store: Callable[[], AbstractContextManager[Store]],
    min_count: int,
    as_of: datetime | None = None,
    new_alerts: list | None = None,
) -> str:
    """Discover and record the newest period's topics; alert on new, growing, unnamed ones."""
    from suara import alerts, topics

    with open_store() as store:
        end = min(as_of or utcnow(), topics.latest(store.con) or utcnow())
        since, until = topics.default_period(end, None)
        vocab = topics.vocabulary(store.con)
        n, rows = topics.find_topics(store.con, since, until, min_count=min_count, vocab=vocab)
        model = topics.model_path(store.con).name if vocab else None
        fresh = set(record(store, rows, since, until, candidates=n, model_version=model))
        found = []
        ids = [topic_id(since, until, r.topic.terms) for r in rows]
        known = statuses(store.con, ids)  # one query for the run's topics
        for r, tid in zip(rows, ids, strict=True):
            status = known.get(tid, ("new", None))[0]
            if not (r.growing and r.topic.similar_to is None and status == "new"):
                continue
            found.append(
                alerts.Alert(
                    ALERT_KIND, "all", f"topic:{signature(r.topic.terms)}", None,
                    until - timedelta(days=topics.WINDOW_DAYS), until, float(r.last_week), r.expected,
                    r.threshold,
                    f"New topic growing: \"{name_of(r.topic.terms)}\" — {r.last_week} texts in the last "
                    f"7 days (expected {r.expected:.1f}); see Topik baru ({tid})",
                )
            )  # fmt: skip
        raised = alerts.record(store, found)
    if new_alerts is not None:
        new_alerts.extend(raised)
    return f"{len(rows)} topics over {n} uncategorised texts ({len(fresh)} new), {len(raised)} alert(s)"


def describe(con) -> list[str]:
    """Lines for `suara status`: the taxonomy's version and each added category's examples so far."""
    tax = load_taxonomy()
    lines = [
        f"taxonomy: version {tax.version}, {len(tax.ids)} categories ({len(tax.added_ids)} added by analysts)"
    ]
    model = first_row(con, "SELECT path FROM models WHERE is_current")
    trained = model_categories(Path(model[0])) if model else set()
    for c in tax.categories:
        if c.added_by:
            state = (
                "trained"
                if c.id in trained
                else f"not trained yet: {readiness(con, c.id)}/{MIN_EXAMPLES} examples"
            )
            lines.append(f"  + {c.id} ({c.label_id}; added by {c.added_by} {str(c.added_at)[:10]}): {state}")
    return lines


def model_categories(path: Path) -> set[str]:
    import json

    try:
        from nlp.model import META_FILE

        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        return set(meta.get("categories", []))
    except (OSError, ValueError):
        return set()
