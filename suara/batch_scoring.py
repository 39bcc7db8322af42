"""What `suara classify` computes for one batch of pending feedback, in this process or in forked workers.

A batch from ``suara.model_labels.pending_classification`` becomes the tables ``save_model_labels`` and
``save_sentiment`` write: the model's labels within each app's taxonomy scope, every row's confidence,
the offices each text names (or the chat was with) and, with a sentiment model, each text's sentiment.
Scoring is pure CPU work on plain columns and needs nothing from the database, so ``scored_batches``
can hand batches to forked worker processes while the calling process keeps reading and writing the
store: on a machine with two cores the featurisation (three quarters of a classify run) no longer waits
for DuckDB's inserts, and DuckDB's no longer wait for it (issue 18).

The promises:

- **The same tables either way.** Each batch is scored by the same ``BatchScorer`` code, whole, and
  results come back in the order the batches were read, so one worker or four write the same rows
  (tests/test_classify_checksum.py compares both with the checksums recorded before this existed).
- **Bounded memory.** At most ``2 × workers`` batches are in flight; the database cursor is read only
  by the calling process, never in a pool thread.
- **Forked while DuckDB is idle.** The pool is started before the first batch is read, so no query of
  the parent's connection runs while it forks; the workers never touch the connection. Where fork is
  unavailable (Windows, macOS's default spawn) scoring stays in this process.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from nlp import model as nlp_model
from nlp.offices import OfficeMatcher
from nlp.sentiment import SentimentModel
from nlp.text import Segmented
from suara.sentiment import TextSentiment, sentiment_rows

MENTIONS_MAX = 200_000  # texts whose office mentions one scorer remembers


def default_workers(pending: int | None = None, batch_size: int = 1) -> int:
    """Scoring processes: one per core, at most four (`suara predict`'s rule); one (no pool to start)
    when the ``pending`` rows fit in one batch, as a nightly's few hundred new reviews do."""
    if pending is not None and pending <= batch_size:
        return 1
    return min(4, os.cpu_count() or 1)


@dataclass
class Scored:
    """One batch's results, ready for the store."""

    classified: pa.Table  # feedback_id, feedback_seq, model_version, content_hash, confidence, seen
    labels: pa.Table  # feedback_id, category, score, model_version (positive decisions only)
    offices: pa.Table  # feedback_id, office_id
    sentiment: pa.Table | None  # sentiment_rows(...), None without a sentiment model

    @property
    def rows(self) -> int:
        return self.classified.num_rows


class BatchScorer:
    """The model, the scope mask, the office matcher and the sentiment memo of one classify run."""

    def __init__(
        self,
        model: nlp_model.ComplaintModel,
        scope: Callable[[list[str]], np.ndarray],
        offices: OfficeMatcher,
        sentiment: SentimentModel | None = None,
    ) -> None:
        self.model, self.scope, self.offices = model, scope, offices
        self.sentiment = sentiment
        self.text_sentiment = TextSentiment(sentiment) if sentiment is not None else None
        self._mentions: dict[str, list[str]] = {}

    def score(self, batch: pa.Table) -> Scored:
        model = self.model
        ids = batch.column("id").to_pylist()
        texts = batch.column("text").to_pylist()  # title and text as the classifier reads them
        segmented = Segmented()  # each text segmented once, for the labels and the sentiment
        scores = model.scores(texts, batch.column("rating").to_pylist(), segmented)
        decided = model.decide(scores) & self.scope(batch.column("app_id").to_pylist())
        rows, cols = np.nonzero(decided)
        labels = pa.table(
            {
                "feedback_id": pa.array([ids[r] for r in rows], pa.string()),
                "category": pa.array([model.categories[c] for c in cols], pa.string()),
                "score": pa.array(scores[rows, cols].astype(float), pa.float64()),
                "model_version": pa.array([model.version] * len(rows), pa.string()),
            }
        )
        classified = pa.table(
            {
                "feedback_id": ids,
                "feedback_seq": batch.column("seq"),
                "model_version": [model.version] * len(ids),
                "content_hash": batch.column("content_hash"),
                "confidence": model.confidence(scores).astype(float),
                "seen": batch.column("seen"),
            }
        )
        found = self._offices(ids, texts, batch.column("office").to_pylist())
        office_table = pa.table(
            {
                "feedback_id": pa.array([f for f, _ in found], pa.string()),
                "office_id": pa.array([o for _, o in found], pa.string()),
            }
        )
        feeling = None
        if self.text_sentiment is not None:
            hashes = batch.column("content_hash").to_pylist()
            feeling = sentiment_rows(
                self.sentiment, ids, batch.column("seq"), hashes, self.text_sentiment.scores(texts, segmented)
            )
        return Scored(classified, labels, office_table, feeling)

    def _offices(self, ids: list[str], texts: list[str], addressed: list) -> list[tuple[str, str]]:
        """Offices named in the text, and the office a chat was with (known ids only), each once per
        item; each distinct text is searched once (reviews repeat), remembered for a bounded number."""
        mentions, known = self._mentions, self.offices.offices
        if len(mentions) > MENTIONS_MAX:
            mentions.clear()
        return list(
            dict.fromkeys(
                (fid, office)
                for fid, text, chat in zip(ids, texts, addressed, strict=True)
                for office in [
                    *(
                        mentions[text]
                        if text in mentions
                        else mentions.setdefault(text, self.offices.find(text))
                    ),
                    *([chat] if chat in known else []),
                ]
            )
        )


_SCORER: BatchScorer | None = None  # the forked workers' scorer (inherited, never pickled)


def _score_in_worker(batch: pa.Table) -> Scored:
    return _SCORER.score(batch)


def scored_batches(scorer: BatchScorer, batches: Iterable[pa.Table], workers: int = 1) -> Iterator[Scored]:
    """``scorer.score`` of each batch, in order; with ``workers`` > 1 in that many forked processes."""
    if workers <= 1 or "fork" not in mp.get_all_start_methods():
        for batch in batches:
            yield scorer.score(batch)
        return
    global _SCORER
    _SCORER = scorer
    try:
        with mp.get_context("fork").Pool(workers) as pool:  # before the first batch is read (module doc)
            pending: deque = deque()
            for batch in batches:
                pending.append(pool.apply_async(_score_in_worker, (batch,)))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _SCORER = None
