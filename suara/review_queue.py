"""The labelling queue: what an analyst should label next, one row per group of near-duplicates.

``review_queue`` is the one query behind the dashboard's Pelabelan page and any export of that queue:
it never reads texts into Python beyond the ``n`` groups it returns, and every figure is a SQL
aggregate over the unreviewed feedback in view (texts an analyst already decided are left out).

**Near-duplicates.** Reviews repeat themselves ("Aplikasi ERROR terus!!!", "aplikasi error terusss"),
and one decision is right for all of them, so the queue groups texts by ``feedback.dup_key``:
``nlp.text.clean`` of the title and text (lowercase; links, mentions, digits, punctuation and emoji
dropped; a letter repeated three or more times squashed; spaces collapsed). The key is a stored column,
filled in SQL by the ``near_duplicate_key`` macro (migration 4, suara/migrations.py): by that migration
for the rows stored before it, and by ``Store.upsert_feedback`` for every new or edited row, so no row
lacks one and none lags behind its text. Chosen over the alternatives because:

- computing the key at query time costs ~4 µs of CPU a text in DuckDB, seconds a million rows, on every
  page load; stored, it costs that once, on import (about a fifth more CPU for a bulk import), and the
  queue is a GROUP BY of a column (~1 s for a million unreviewed texts on two busy cores);
- computing it in Python (``clean`` itself) would have the store import a stage, which the spine does
  not, and at ~23 µs a text would more than double the time of a bulk import; at classify time it
  would also miss every row stored, or not yet classified, before;
- the macro is ``clean`` transcribed step by step, not a second definition: a test holds the two equal
  on every hand-labelled text, so a change to ``clean`` fails it until a migration re-keys the store.

A text with no letters at all ("👍", "5/5") has no key and is a group of its own.

**Expected value of one label.** A group is worth ``n * 2 ** (-margin / HALF_LIFE)``: ``n`` unreviewed
texts in view that one decision labels, times how likely the model got them wrong, from ``margin``, the
group's smallest ``classifications.confidence`` (the distance of the closest score to its threshold,
``nlp.model.ComplaintModel.confidence``). That likelihood roughly halves with every ``HALF_LIFE`` of
margin: with model 20261205-131630e9, the share of texts with at least one wrong category was 68% below
a margin of 0.025, 35-43% at 0.05-0.1, 21-34% at 0.15-0.2 and 4-13% above 0.3 (hand-labelled test set,
real dev set). So ten texts at a margin of 0.3 outrank one at 0.05 (1.25 against 0.71), and one text
at 0.01 outranks two at 0.2 (0.93 against 0.5). Groups with no classified text are left out of this ordering (``suara
classify`` first). Ties: the group with the newest text first.

A group with a category proposed for one of its texts (``label_proposals``: an analyst merged a
topic into that category, suara/topic_records.py) comes first, with ``proposed`` listing it; the page
preselects it, and saving the decision is what labels the texts.

A group whose key an analyst already labelled on another text (reviewed before, or outside the view)
comes after every group that has none: its answer is likely known. It is flagged
(``labelled_before``) with that decision (``labelled_as``), so a glance confirms it.

The "random" mode draws texts uniformly (a reproducible hash of id and seed) and shows the groups of
the texts drawn first: a group comes up in proportion to its size, as its texts would one by one.
"""

from __future__ import annotations

import duckdb
import pandas as pd

MODES = ("uncertain", "random")
HALF_LIFE = 0.1  # margin over which the chance that the model is wrong halves (see the docstring)
_OWN = {"queue_mode", "queue_limit", "queue_seed", "half_life"}

_ORDER = {  # ties, last: the group's key, for an order that is the same on every run
    "uncertain": "proposed DESC, labelled_before, value DESC, newest DESC, grp",
    "random": "draw, grp",
}


def review_queue(
    con: duckdb.DuckDBPyConnection,
    where: str = "true",
    params: dict | None = None,
    mode: str = "uncertain",
    n: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """The next ``n`` groups of unreviewed near-duplicates in view, best first (see the module docstring).

    ``where`` is a SQL condition on ``feedback f`` (the view: period, source, ...) and ``params`` its
    named parameters. One row per group, for its representative, the newest text: ``id``, ``created_at``,
    ``source``, ``app_id``, ``rating``, ``app_version``, ``title``, ``text`` (as stored: mask before
    showing), ``categories`` and ``scores`` (its effective labels); and for the group: ``n`` texts,
    ``ids`` (all of them, newest first: what one decision labels), ``confidence`` (the smallest margin),
    ``value`` (expected value of a label), ``dup_key``, ``labelled_before``, ``labelled_as`` and ``proposed``
    (categories proposed by a topic merge).
    """
    if mode not in MODES:
        raise ValueError(f"unknown review mode {mode!r}; use 'uncertain' or 'random'")
    params = dict(params or {})
    clash = _OWN & set(params)
    if clash:
        raise ValueError(f"parameter names {sorted(clash)} are the queue's own; rename them in the condition")
    order = _ORDER[mode]
    sql = f"""
        WITH items AS (
            SELECT f.id, f.seq, f.created_at, coalesce(f.dup_key, '#' || f.id) AS grp, c.confidence,
                   hash(f.id || $queue_seed) AS draw,
                   f.id IN (SELECT feedback_id FROM label_proposals) AS proposed
            FROM feedback f LEFT JOIN classifications c ON c.feedback_seq = f.seq
            WHERE ({where}) AND f.id NOT IN (SELECT feedback_id FROM human_reviews)
        ), groups AS (
            SELECT grp, count(*) AS n, min(confidence) AS confidence, max(created_at) AS newest,
                   min(draw) AS draw, count(*) * pow(2, -min(confidence) / $half_life) AS value,
                   bool_or(proposed) AS proposed
            FROM items GROUP BY grp
            HAVING $queue_mode = 'random' OR count(confidence) > 0
        ), twins AS (  -- an analyst's latest decision on a near-duplicate of a group
            SELECT f.dup_key AS grp, arg_max(h.feedback_id, struct_pack(t := h.reviewed_at, id := h.feedback_id))
                   AS twin
            FROM human_reviews h JOIN feedback f ON f.id = h.feedback_id
            WHERE f.dup_key IN (SELECT grp FROM groups)
            GROUP BY 1
        ), ranked AS (
            SELECT *, row_number() OVER (ORDER BY {order}) AS rank FROM (
                SELECT g.*, t.twin, t.twin IS NOT NULL AS labelled_before
                FROM groups g LEFT JOIN twins t ON t.grp = g.grp
                ORDER BY {order} LIMIT $queue_limit
            )
        ), top AS (  -- the groups shown, with their texts, newest first: the first one represents them
            SELECT r.*, m.ids, m.ids[1] AS rep, m.rep_seq
            FROM ranked r JOIN (
                SELECT grp, list(id ORDER BY created_at DESC, id DESC) AS ids,
                       arg_max(seq, struct_pack(t := created_at, id := id)) AS rep_seq  -- ids[1]'s
                FROM items WHERE grp IN (SELECT grp FROM ranked) GROUP BY grp
            ) m ON m.grp = r.grp
        ), rep_labels AS (
            SELECT feedback_seq, list(category ORDER BY category) AS categories,
                   list({{'category': category, 'score': score}} ORDER BY score DESC, category) AS scores
            FROM effective_labels WHERE feedback_seq IN (SELECT rep_seq FROM top) GROUP BY 1
        ), proposals AS (  -- categories a topic merge proposed for a text of the group (topic_records.py)
            SELECT i.grp, list(DISTINCT p.category ORDER BY p.category) AS proposed_categories
            FROM items i JOIN label_proposals p ON p.feedback_id = i.id
            WHERE i.grp IN (SELECT grp FROM top) GROUP BY 1
        ), twin_labels AS (
            SELECT feedback_id, list(category ORDER BY category) AS categories
            FROM labels WHERE origin = 'human' AND feedback_id IN (SELECT twin FROM top) GROUP BY 1
        )
        SELECT top.rep AS id, f.created_at, f.source, f.app_id, f.rating, f.app_version, f.title, f.text,
               top.n, top.ids, top.confidence, top.value, f.dup_key, top.labelled_before,
               CASE WHEN top.labelled_before THEN coalesce(tl.categories, []) END AS labelled_as,
               coalesce(rl.categories, []) AS categories, rl.scores,
               coalesce(pr.proposed_categories, []) AS proposed
        FROM top JOIN feedback f ON f.id = top.rep
        LEFT JOIN proposals pr ON pr.grp = top.grp
        LEFT JOIN rep_labels rl ON rl.feedback_seq = top.rep_seq
        LEFT JOIN twin_labels tl ON tl.feedback_id = top.twin
        ORDER BY top.rank
    """
    own = {"queue_mode": mode, "queue_limit": n, "queue_seed": str(seed), "half_life": HALF_LIFE}
    return con.execute(sql, {**params, **own}).df()
