"""The idempotent feedback upsert: new rows inserted, changed ones updated with their old text kept in
``feedback_revisions``, unchanged ones only seen again; one transaction, all in SQL.

``Store.upsert_feedback`` runs it on an Arrow batch (a page of a source, the line-by-line import) or on
a table staged by the fast file import (ingest/formats/canonical.py), which is never copied out of
DuckDB. The comparison with the stored rows (an anti-join and the content hashes) comes first; the
statements that follow touch only what it found: new rows get their near-duplicate key and, for a
staged file, their salted author hash, only when they are inserted or updated; a re-import of an
unchanged file only moves ``last_seen_at`` (issue 18).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

# The batch's columns, in the order of the batch layout (suara.feedback_batch.batch_schema()).
COLUMNS = [
    "id", "source", "app_id", "native_id", "author_hash", "text", "title", "rating", "app_version", "lang",
    "country", "created_at", "reply_text", "replied_at", "likes", "url", "raw", "content_hash",
]  # fmt: skip
_MUTABLE = [c for c in COLUMNS if c not in ("id", "source", "native_id")]
_DUP_KEY = "near_duplicate_key(b.title, b.text)"  # migration 4's macro, in SQL with the rows it keys
_META_DIFFERS = (
    "(f.reply_text IS DISTINCT FROM b.reply_text OR f.replied_at IS DISTINCT FROM b.replied_at "
    "OR f.app_version IS DISTINCT FROM b.app_version OR f.likes IS DISTINCT FROM b.likes)"
)


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


@dataclass
class Batch:
    """What to upsert: a relation of the connection (``name``, read as ``b``) with ``rows`` rows.

    ``ids``: the batch's ids, for a small batch that finds its stored rows by a filter on the id column
    rather than a join (``None``: join). ``exprs``: SQL for a column the relation does not hold as such
    (a staged file's author hash), with its parameters in ``params``.
    """

    name: str
    rows: int
    ids: list[str] | None = None
    exprs: dict[str, str] | None = None
    params: dict | None = None

    def col(self, c: str) -> str:
        return (self.exprs or {}).get(c, f"b.{c}")


def upsert(con: duckdb.DuckDBPyConnection, batch: Batch, now: datetime) -> UpsertCounts:
    """Run the upsert of ``batch`` on ``con``; the caller holds the transaction."""
    if batch.ids is not None:
        stored, params = "(SELECT * FROM feedback WHERE list_contains($ids, id))", {"ids": batch.ids}
    else:
        stored, params = "feedback", {}
    b = f"{batch.name} b"
    new, changed, meta = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE f.id IS NULL),
               count(*) FILTER (WHERE f.id IS NOT NULL AND f.content_hash <> b.content_hash),
               count(*) FILTER (WHERE f.id IS NOT NULL AND f.content_hash = b.content_hash AND {_META_DIFFERS})
        FROM {b} LEFT JOIN {stored} f ON f.id = b.id
        """,
        params,
    ).fetchall()[0]
    if changed:
        con.execute(
            f"""
            INSERT INTO feedback_revisions
            SELECT f.id, f.text, f.title, f.rating, f.content_hash, $now
            FROM {stored} f JOIN {b} ON f.id = b.id
            WHERE f.content_hash <> b.content_hash
            """,
            {**params, "now": now},
        )
    extra = batch.params or {}
    if new:
        cols = ", ".join(COLUMNS)
        all_new = new == batch.rows  # the usual page of a nightly, a first import: no need to look again
        con.execute(
            f"INSERT INTO feedback ({cols}, first_seen_at, last_seen_at, dup_key) "
            f"SELECT {', '.join(batch.col(c) for c in COLUMNS)}, $now, $now, {_DUP_KEY} FROM {b}"
            + ("" if all_new else f" ANTI JOIN {stored} f ON f.id = b.id"),
            {"now": now, **extra} if all_new else {**params, "now": now, **extra},
        )
    if changed or meta:
        sets = ", ".join(f"{c} = {batch.col(c)}" for c in _MUTABLE)
        narrow = " AND list_contains($ids, feedback.id)" if params else ""
        con.execute(
            f"""
            UPDATE feedback SET {sets}, last_seen_at = $now, dup_key = {_DUP_KEY} FROM {b}
            WHERE feedback.id = b.id{narrow}
              AND (feedback.content_hash <> b.content_hash OR {_META_DIFFERS.replace("f.", "feedback.")})
            """,
            {**params, "now": now, **extra},
        )
    if batch.rows - new - changed - meta:
        where = "list_contains($ids, feedback.id)" if params else "feedback.id = b.id"
        con.execute(
            f"UPDATE feedback SET last_seen_at = $now {'' if params else 'FROM ' + b + ' '}"
            f"WHERE {where} AND feedback.last_seen_at < $now",
            {**params, "now": now},
        )
    return UpsertCounts(new=new, updated=changed + meta, unchanged=batch.rows - new - changed - meta)


def insert_all(con: duckdb.DuckDBPyConnection, select: str, params: dict, batch: Batch, now: datetime) -> int:
    """Insert every row of a query (``select``, with a boolean ``bad`` column and its ``params``) as new
    feedback in one statement, without staging it: for a file into a store that holds no feedback (the
    rows numbered as one block after it, below).
    A bad row or a repeated id raises ``duckdb.Error`` and, the caller's transaction rolled back, leaves
    nothing stored; ``batch`` gives the column expressions (its name and counts are not used)."""
    cols = [
        "CASE WHEN b.bad THEN error('not canonical') ELSE b.id END" if c == "id" else batch.col(c)
        for c in COLUMNS
    ]
    # seq numbered after the insert: nextval() (the column's default) or a row_number() in the INSERT
    # makes DuckDB insert on one thread (11.6 s against 7.0 s for 1M lines); the table was empty, so the
    # rows' order is the storage order, and the numbers are taken from the sequence as one block
    rows = con.execute(
        f"INSERT INTO feedback ({', '.join(COLUMNS)}, first_seen_at, last_seen_at, dup_key, seq) "
        f"SELECT {', '.join(cols)}, $now, $now, {_DUP_KEY}, 0 FROM ({select}) b",
        {**params, **(batch.params or {}), "now": now},
    ).fetchall()[0][0]
    if rows:
        (last,) = con.execute("SELECT max(nextval('feedback_seq')) FROM range($n)", {"n": rows}).fetchall()[0]
        # (uncommitted rows have rowids of their own, in the order they were appended: counted from the first)
        con.execute(
            "UPDATE feedback SET seq = rowid - (SELECT min(rowid) FROM feedback) + $first",
            {"first": last - rows + 1},
        )
    return rows
