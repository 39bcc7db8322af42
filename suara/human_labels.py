"""The analysts' labels: saving an analyst's decisions on items and reading back what analysts decided.

A decision is the full set of categories of one feedback item, or none ("no category applies"), with
who made it. ``save_human_labels`` stores a batch of them in one transaction of the given ``Store``,
all or nothing: the human rows in ``labels`` are replaced and ``human_reviews`` records who and when,
and the ``effective_labels`` table (suara/migrations.py) shows the analyst's set instead of the
model's at once, in the same transaction. The Pelabelan page saves one group of near-duplicates this way, ``suara labels
import`` a whole sheet: one write path, so both check and count the same (``ReviewCounts``).
``human_labelled`` is the other direction, every reviewed item with its text for the next model to
train on and for the promotion gate to hold out.

A module of its own, apart from suara/store.py, because these are the analysts' data with rules of
their own (a reviewer is named, an item is decided once per batch, unknown ids are refused), while the
store's job is to hold the collected texts and the model's output.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from suara.model_labels import CLASSIFIED_TEXT
from suara.store import Store, StoreError, first_row, utcnow


@dataclass
class ReviewCounts:
    """What a batch of analysts' decisions did: items reviewed, of which with other categories than were
    in effect before, and of which with no category at all."""

    labelled: int = 0
    changed: int = 0
    no_category: int = 0


def save_human_labels(
    store: Store, decisions: Iterable[tuple[str, Iterable[str], str]], dry_run: bool = False
) -> ReviewCounts:
    """Analysts' decisions, all in one transaction: per item (feedback id, the full set of categories,
    reviewer). An empty set means "no category applies": a review with no labels. Earlier human labels
    of those items are replaced. One decision (the Pelabelan page) or thousands (`suara labels import`)
    go the same way.

    Raises ValueError for an empty reviewer or an item decided twice and StoreError for an item not in
    the database; then nothing is saved. ``dry_run`` checks and counts but saves nothing.
    """
    rows = [(fid, sorted(set(cats)), reviewer.strip()) for fid, cats, reviewer in decisions]
    nameless = next((fid for fid, _, reviewer in rows if not reviewer), None)
    if nameless is not None:
        raise ValueError(f"reviewer name is empty for {nameless}: say who made the correction")
    ids = [fid for fid, _, _ in rows]
    seen: set[str] = set()
    for fid in ids:
        if fid in seen:
            raise ValueError(f"feedback {fid} is decided twice; give each item one set of categories")
        seen.add(fid)
    if not rows:
        return ReviewCounts()
    import pyarrow as pa

    decided = pa.table(
        {
            "feedback_id": pa.array(ids, pa.string()),
            "categories": pa.array([cats for _, cats, _ in rows], pa.list_(pa.string())),
            "reviewer": pa.array([reviewer for _, _, reviewer in rows], pa.string()),
        }
    )
    now = utcnow()
    store.con.register("_decisions", decided)
    try:
        with store.transaction() as con:
            unknown = [
                r[0]
                for r in con.execute(
                    "SELECT d.feedback_id FROM _decisions d ANTI JOIN feedback f ON f.id = d.feedback_id "
                    "ORDER BY 1 LIMIT 3"
                ).fetchall()
            ]
            if unknown:
                raise StoreError(f"feedback {', '.join(unknown)} is not in the database; nothing was saved")
            labelled, changed, no_category = first_row(
                con,
                """
                WITH before AS (  -- what is in effect now: the model's labels, or an earlier review's
                    SELECT feedback_id, list(category ORDER BY category) AS categories
                    FROM effective_labels WHERE feedback_id IN (SELECT feedback_id FROM _decisions)
                    GROUP BY 1
                )
                SELECT count(*),
                       count(*) FILTER (WHERE d.categories IS DISTINCT FROM coalesce(b.categories, []::VARCHAR[])),
                       count(*) FILTER (WHERE len(d.categories) = 0)
                FROM _decisions d LEFT JOIN before b ON b.feedback_id = d.feedback_id
                """,
            )
            if not dry_run:
                con.execute(
                    "DELETE FROM labels WHERE origin = 'human' "
                    "AND feedback_id IN (SELECT feedback_id FROM _decisions)"
                )
                con.execute(
                    "INSERT INTO labels (feedback_id, category, score, origin, model_version, created_by, created_at) "
                    "SELECT feedback_id, unnest(categories), 1.0, 'human', NULL, reviewer, $now FROM _decisions",
                    {"now": now},
                )
                con.execute(
                    "INSERT OR REPLACE INTO human_reviews SELECT feedback_id, reviewer, $now FROM _decisions",
                    {"now": now},
                )
                # the analyst's set is in effect now, instead of the model's or an earlier review's
                con.execute(
                    "DELETE FROM effective_labels WHERE feedback_id IN (SELECT feedback_id FROM _decisions)"
                )
                con.execute(
                    "INSERT INTO effective_labels SELECT d.feedback_id, unnest(d.categories), 1.0, 'human', "
                    "NULL, f.seq FROM _decisions d JOIN feedback f ON f.id = d.feedback_id"
                )
    finally:
        store.con.unregister("_decisions")
    return ReviewCounts(labelled=labelled, changed=changed, no_category=no_category)


def human_labelled(store: Store) -> list[tuple[str, str, list[str], int | None]]:
    """(feedback_id, text, categories, rating) of the items analysts reviewed, by id: for the next model to
    train on, and (a share of them, by id) for the promotion gate to hold out. The text is what the
    classifier sees ("title. text" where there is a title, as `suara classify` joins them).

    Near-duplicates given the same decision (one label on a Pelabelan group of 20 copies of a rant) come
    once, as their smallest id: one decision is one training text, not twenty. Near-duplicates decided
    differently all come, each with its own decision.
    """
    return store.con.execute(
        f"""
        WITH reviewed AS (
            SELECT f.id, f.dup_key,
                   {CLASSIFIED_TEXT} AS text,
                   coalesce(list(l.category ORDER BY l.category) FILTER (WHERE l.category IS NOT NULL), [])
                       AS categories,
                   f.rating
            FROM human_reviews h JOIN feedback f ON f.id = h.feedback_id
            LEFT JOIN labels l ON l.feedback_id = h.feedback_id AND l.origin = 'human'
            GROUP BY f.id, f.dup_key, f.title, f.text, f.rating
        )
        SELECT id, text, categories, rating FROM reviewed
        QUALIFY row_number() OVER (
            PARTITION BY coalesce(dup_key, '#' || id), array_to_string(categories, ',') ORDER BY id
        ) = 1
        ORDER BY id
        """
    ).fetchall()


def labels_fingerprint(store: Store) -> str | None:
    """What the analysts' labels are now, in one string (None when there are none): counts and a hash of
    every review and human label. The last training records it (``TRAINED_ON``); the nightly job retrains
    when it differs, so no label is left out even when it was saved in the same second as a training."""
    reviews, digest = first_row(
        store.con,
        "SELECT count(*), sum(hash(feedback_id || '|' || reviewed_by || '|' || reviewed_at)) FROM human_reviews",
    )
    if not reviews:
        return None
    labels, label_digest = first_row(
        store.con,
        "SELECT count(*), sum(hash(feedback_id || '|' || category)) FROM labels WHERE origin = 'human'",
    )
    return f"{reviews}:{digest}:{labels}:{label_digest or 0}"


TRAINED_ON = ("train", "*", "human_labels")  # source_state key: the fingerprint the last training read
