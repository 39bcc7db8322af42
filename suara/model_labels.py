"""The classifier's side of the store: the feedback it has yet to read, and its labels written back.

``suara classify`` and the nightly (suara/classify.py) read the rows a model has not classified (or whose
content changed since) in bounded batches, or, for a night's few hundred, by id, and write each batch's
labels, confidence and office mentions in one transaction, so a killed run loses at most one batch.
``CLASSIFIED_TEXT`` is what the classifier reads of an item, one rule for classifying and for training
on the analysts' labels (suara/human_labels.py) and for the sentiment (suara/sentiment.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import duckdb

from suara.store import Store, first_row, utcnow

if TYPE_CHECKING:
    import pyarrow as pa

# The office a WhatsApp chat was with (`suara import --format whatsapp --office KANIM` keeps it in raw).
_ADDRESSED_OFFICE = (
    "CASE WHEN f.source = 'whatsapp' AND json_valid(f.raw) THEN json_extract_string(f.raw, '$.office') END"
)
# What the classifier reads of a feedback item: "title. text" where there is a title. One rule for
# `suara classify` and for training on the analysts' labels (suara/human_labels.py).
CLASSIFIED_TEXT = "CASE WHEN coalesce(f.title, '') = '' THEN f.text ELSE f.title || '. ' || f.text END"

# Feedback that model $v has not classified, or whose content changed since it did.
# Rows per classify batch (one transaction each; a killed run loses at most one). Measured at 1M rows on
# 2 cores, 20,000 against 5,000: 29-31k rows/s against 25-26k (fewer statements and commits in the main
# process, 22 against 26 CPU s; less fixed cost per scored batch in the workers, 43 against 50 CPU s),
# each worker 380 MB at its peak against 300 MB, the main process the same (about 1 GB).
BATCH_ROWS = 20_000

_PENDING = """
    FROM feedback f LEFT JOIN classifications c ON c.feedback_seq = f.seq
    WHERE c.feedback_id IS NULL OR c.model_version <> $v OR c.content_hash <> f.content_hash
"""


def pending_classification(
    store: Store, model_version: str, batch_size: int = BATCH_ROWS
) -> Iterator[pa.Table]:
    """Feedback not yet classified by this model version, or whose content changed since, in batches.

    One streaming query on a cursor of its own (writes go through ``store.con`` meanwhile), so memory
    stays bounded; ``text`` is what the classifier reads (``CLASSIFIED_TEXT``), ``office`` the office
    a WhatsApp chat was with, ``seen`` whether a model classified the row before (only those rows can
    have model labels and office mentions to replace).
    """
    import pyarrow as pa

    cur = store.con.cursor()
    reader = None
    try:
        reader = cur.sql(
            f"SELECT f.id, f.seq, f.app_id, {CLASSIFIED_TEXT} AS text, f.rating, f.content_hash, "
            f"{_ADDRESSED_OFFICE} AS office, c.feedback_id IS NOT NULL AS seen {_PENDING}",
            params={"v": model_version},
        ).to_arrow_reader(batch_size)
        for batch in reader:
            if batch.num_rows:
                yield pa.Table.from_batches([batch])
    finally:
        if reader is not None:
            reader.close()  # a run stopped early (an error) must not leave the stream open
        cur.close()


def feedback_to_classify(store: Store, ids: list[str], seen: list[bool]) -> pa.Table:
    """The rows ``ids`` as ``pending_classification`` yields them, read in one query (a semi-join on
    the id list: about 0.05 s for a nightly's thousand rows at 1M, 0.07 s for 20,000, where an ``IN``
    of 20,000 parameters took 0.5 s and the pending scan's join reads every row); ``seen`` per id, as
    the scan that found them said."""
    import pyarrow as pa

    table = store.con.sql(
        f"SELECT f.id, f.seq, f.app_id, {CLASSIFIED_TEXT} AS text, f.rating, f.content_hash, "
        f"{_ADDRESSED_OFFICE} AS office FROM feedback f SEMI JOIN (SELECT unnest($ids) AS id) w "
        "ON w.id = f.id ORDER BY f.id",
        params={"ids": list(ids)},
    ).to_arrow_table()
    flag = dict(zip(ids, seen, strict=True))
    return table.append_column("seen", pa.array([flag[i] for i in table.column("id").to_pylist()]))


def count_pending_classification(store: Store, model_version: str) -> int:
    return first_row(store.con, f"SELECT count(*) {_PENDING}", {"v": model_version})[0]


def save_model_labels(
    store: Store, classified: pa.Table, labels: pa.Table, offices: pa.Table | None = None
) -> None:
    """Replace the model's labels of a batch in one transaction.

    classified: feedback_id, feedback_seq, model_version, content_hash, confidence (every row of the
    batch), optionally seen; labels: feedback_id, category, score, model_version (positive predictions
    only), their ``feedback_seq`` taken from ``classified``;
    offices: feedback_id, office_id (mentions found in the text).
    """
    import pyarrow.compute as pc

    now = utcnow()
    # Rows no model classified before have no model labels or mentions to replace: no DELETE for them
    # (a first `suara classify` of a whole database deletes nothing).
    flagged = "seen" in classified.column_names
    seen = not flagged or pc.any(classified.column("seen")).as_py()
    replaced = f"(SELECT feedback_id FROM _classified{' WHERE seen' if flagged else ''})"
    store.con.register("_classified", classified)
    store.con.register("_labels", labels)
    if offices is not None:
        store.con.register("_offices", offices)
    try:
        with store.transaction() as con:
            for table in ("labels", "effective_labels") if seen else ():
                con.execute(f"DELETE FROM {table} WHERE origin = 'model' AND feedback_id IN {replaced}")
            con.execute(
                "INSERT INTO labels SELECT feedback_id, category, score, 'model', model_version, NULL, $now "
                "FROM _labels",
                {"now": now},
            )
            con.execute(  # in effect unless an analyst decided the item (migrations.py)
                "INSERT INTO effective_labels SELECT l.feedback_id, l.category, l.score, 'model', "
                "l.model_version, c.feedback_seq FROM _labels l JOIN _classified c USING (feedback_id) "
                "ANTI JOIN human_reviews h ON h.feedback_id = l.feedback_id"
            )
            con.execute(
                f"INSERT {'OR REPLACE ' if seen else ''}INTO classifications "
                "SELECT feedback_id, model_version, content_hash, confidence, $now, feedback_seq FROM _classified",
                {"now": now},
            )
            if offices is not None:
                if seen:
                    con.execute(f"DELETE FROM feedback_offices WHERE feedback_id IN {replaced}")
                con.execute(
                    "INSERT OR IGNORE INTO feedback_offices SELECT feedback_id, office_id FROM _offices"
                )
    finally:
        for name in ("_classified", "_labels", "_offices"):
            try:
                store.con.unregister(name)
            except duckdb.Error:
                pass
