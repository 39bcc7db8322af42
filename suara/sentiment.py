"""Sentiment in the store: the model beside the complaint model, scoring feedback in bulk, fitting it.

- **Where the model lives.** ``sentiment.npz``/``sentiment.json`` in the complaint model's directory
  (data/models/<version>/, nlp/sentiment.py). A directory without them (an older model) simply gives
  no sentiment; one whose files are damaged is a setup problem (``ModelUnusable``) named by file.
- **Scoring.** `suara classify` scores each batch it labels (suara/classify.py), then ``score_pending``
  catches up on the rows whose sentiment is missing, from another sentiment model or older than the text
  (a sentiment model added to a model already used). Both go through ``TextSentiment``: each distinct
  text of a batch is preprocessed and scored once, and short texts, the ones reviews repeat, are
  remembered across batches. Rows go to ``feedback_sentiment`` one transaction per batch, in bulk.
- **Fitting** (``fit_from_store``): the store's reviews with a star rating, text only (the model never
  reads the rating), the same text once; the result is saved into a model directory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from nlp import sentiment as nlp_sentiment
from nlp.text import Segmented
from suara.model_files import ModelUnusable
from suara.model_labels import BATCH_ROWS, CLASSIFIED_TEXT
from suara.store import Store, utcnow

MIN_RATED = 200  # rated reviews a store needs before `suara sentiment train` fits anything on them
MEMO_MAX = 200_000  # texts whose score one run remembers
MEMO_TEXT_CHARS = 200  # longer texts hardly ever come twice: not remembered


def load_sentiment(model_dir: Path) -> nlp_sentiment.SentimentModel | None:
    """The sentiment model beside the complaint model in ``model_dir``; None when it has none."""
    if not nlp_sentiment.exists(model_dir):
        return None
    try:
        return nlp_sentiment.load(model_dir)
    except nlp_sentiment.SentimentError as exc:
        raise ModelUnusable(str(exc)) from None


class TextSentiment:
    """A sentiment model's scores of raw texts: each distinct text of a call preprocessed and scored once,
    short texts remembered across calls (up to ``MEMO_MAX``; reviews repeat: "mantap", "error terus")."""

    def __init__(self, model: nlp_sentiment.SentimentModel) -> None:
        self.model = model
        self._memo: dict[str, float] = {}

    def scores(self, texts: list[str], segmented: Segmented | None = None) -> np.ndarray:
        """``segmented``: the batch's segments shared with the complaint model (nlp/text.py)."""
        memo = self._memo
        segmented = Segmented() if segmented is None else segmented
        distinct = list(dict.fromkeys(texts))
        todo = [t for t in distinct if t not in memo]
        if len(memo) + len(todo) > MEMO_MAX:  # full: start again, from this call's texts
            memo.clear()
            todo = distinct
        scored = self.model.scores_docs([segmented[t] for t in todo]).tolist()
        fresh = dict(zip(todo, scored, strict=True))
        memo.update((t, score) for t, score in fresh.items() if len(t) <= MEMO_TEXT_CHARS)
        return np.array([fresh[t] if t in fresh else memo[t] for t in texts], dtype=float)


def sentiment_rows(
    model: nlp_sentiment.SentimentModel,
    ids: list[str],
    seqs: list[int] | pa.Array,
    hashes: list[str],
    scores: np.ndarray,
) -> pa.Table:
    """One row per text: feedback_id, feedback_seq (the feedback's ``seq``), sentiment, score (of
    ``TextSentiment.scores``), model_id, content_hash."""
    return pa.table(
        {
            "feedback_id": pa.array(ids, pa.string()),
            "feedback_seq": pa.array(seqs, pa.int64()),
            "sentiment": pa.array(model.labels_of(scores), pa.string()),
            "score": pa.array(scores.astype(float), pa.float64()),
            "model_id": pa.array([model.model_id] * len(ids), pa.string()),
            "content_hash": pa.array(hashes, pa.string()),
        }
    )


def save_sentiment(store: Store, rows: pa.Table) -> None:
    """Replace the sentiment of a batch's feedback in one transaction."""
    store.con.register("_sentiment", rows)
    try:
        with store.transaction() as con:
            # by row number: a night's new rows are the table's last blocks, the rest skipped by their
            # zone maps (on the string ids this scanned every row, 27-38 ms at 1M for nothing to delete)
            con.execute(
                "DELETE FROM feedback_sentiment WHERE feedback_seq IN (SELECT feedback_seq FROM _sentiment)"
            )
            con.execute(
                "INSERT INTO feedback_sentiment SELECT feedback_id, sentiment, score, model_id, content_hash, "
                "$now, feedback_seq FROM _sentiment",
                {"now": utcnow()},
            )
    finally:
        try:
            store.con.unregister("_sentiment")
        except duckdb.Error:
            pass


_PENDING = """
    FROM feedback f LEFT JOIN feedback_sentiment s ON s.feedback_seq = f.seq
    WHERE s.feedback_id IS NULL OR s.model_id <> $m OR s.content_hash <> f.content_hash
"""


def score_pending(
    store: Store,
    model: nlp_sentiment.SentimentModel,
    batch_size: int = BATCH_ROWS,
    progress: Callable[[int], None] | None = None,
    scorer: TextSentiment | None = None,
) -> int:
    """Score every row without a current sentiment; returns how many. ``scorer``: one whose memo to
    reuse (classify's)."""
    scorer = scorer or TextSentiment(model)
    ids = store.con.execute(f"SELECT f.id {_PENDING} ORDER BY f.id", {"m": model.model_id}).fetchnumpy()["id"]
    for start in range(0, len(ids), batch_size):
        batch = store.con.sql(
            f"SELECT id, seq, {CLASSIFIED_TEXT} AS text, content_hash FROM feedback f "
            "WHERE id IN (SELECT unnest($ids)) ORDER BY id",
            params={"ids": list(ids[start : start + batch_size])},
        ).to_arrow_table()
        scores = scorer.scores(batch.column("text").to_pylist())
        save_sentiment(
            store,
            sentiment_rows(
                model,
                batch.column("id").to_pylist(),
                batch.column("seq"),
                batch.column("content_hash").to_pylist(),
                scores,
            ),
        )
        if progress:
            progress(batch.num_rows)
    return len(ids)


def rated_reviews(store: Store) -> tuple[list[str], list[int]]:
    """The store's texts with a star rating, each distinct text once (its latest rating wins)."""
    rows = store.con.execute(
        f"SELECT text, rating FROM (SELECT {CLASSIFIED_TEXT} AS text, rating, created_at, id "
        "FROM feedback f WHERE rating BETWEEN 1 AND 5) "
        "QUALIFY row_number() OVER (PARTITION BY lower(trim(text)) ORDER BY created_at DESC, id) = 1 "
        "ORDER BY text, rating"
    ).fetchall()
    return [r[0] for r in rows], [int(r[1]) for r in rows]


def fit_from_store(store: Store, model_dir: Path, seed: int = 0) -> nlp_sentiment.SentimentModel:
    """Fit on the store's rated reviews and save the model into ``model_dir``. Raises
    ``nlp.sentiment.SentimentError`` when there are too few to learn from."""
    texts, ratings = rated_reviews(store)
    if len(texts) < MIN_RATED:
        raise nlp_sentiment.SentimentError(
            f"only {len(texts)} reviews with a star rating in the database, at least {MIN_RATED} are "
            "needed: import or collect more reviews first"
        )
    model = nlp_sentiment.fit(texts, ratings, seed=seed)
    nlp_sentiment.save(model, model_dir, {"trained_on": "store", "trained_at": utcnow().isoformat()})
    return model
