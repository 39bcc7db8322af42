"""Re-importing a file that has not changed: found by its bytes, confirmed against the stored rows,
answered without parsing and validating every line again (issue 18: <= 2 s at 1M rows).

After the fast path (ingest/formats/canonical.py) stores a file, ``record`` keeps its fingerprint (the
sha256 of its bytes, the ``--app`` key and the fast path's rules) with a checksum of what an upsert
compares (id, content hash, reply, reply time, app version, likes) over the file's rows, which equal
the stored ones right after the upsert. A later import of the same bytes (``unchanged``) reads only the
ids of the file, recomputes that checksum over the stored rows with those ids, and when it matches,
every line is as valid as it was (the rules are in the fingerprint, and the only bound that moves,
"not after tomorrow", only widens) and every row would be counted unchanged: only ``last_seen_at``
moves, as the upsert would move it. Any difference (a row edited or deleted since, another DuckDB
whose hash differs, a file changed by a byte) falls back to the full import, so the shortcut can only
be slower, never different (tests/test_import_identity.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb

from ingest.formats import canonical
from ingest.formats.canonical import rules_digest
from ingest.tweet_links import tweet_url
from suara.upsert import Batch, UpsertCounts, insert_all

IDS = "_import_ids"  # the file's ids, staged in the store's connection for the update of last_seen_at
_CHUNK = 1 << 20
_HASH = (
    "hash(b.id, b.content_hash, b.reply_text, CAST(b.replied_at AS TIMESTAMP), b.app_version, "
    "CAST(b.likes AS INTEGER))"
)
_CHECKSUM = (
    f"count(*), CAST(bit_xor({_HASH}) AS VARCHAR) || ':' || CAST(sum(CAST({_HASH} AS HUGEINT)) AS VARCHAR)"
)


def fingerprint(path: Path, app_id: str) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return f"{digest.hexdigest()}:{app_id}:{rules_digest()}"


def record(con: duckdb.DuckDBPyConnection, fp: str, staged: str, now: datetime) -> None:
    """Remember a file the fast path has just stored (``staged``: its staged table, read as ``b``)."""
    rows, checksum = con.execute(f"SELECT {_CHECKSUM} FROM {staged} b").fetchall()[0]
    con.execute("INSERT OR REPLACE INTO imported_files VALUES (?, ?, ?, ?)", [fp, rows, checksum, now])


def unchanged(con: duckdb.DuckDBPyConnection, path: Path, fp: str) -> Batch | None:
    """The file's ids as a staged ``Batch`` when this file was stored before and its rows are still
    stored as it left them (a ``Batch`` without a name: they are all of feedback); None (nothing
    staged) when it must be imported in full."""
    known = con.execute("SELECT rows, checksum FROM imported_files WHERE fingerprint = ?", [fp]).fetchall()
    if not known:
        return None
    rows, checksum = known[0]
    if con.execute("SELECT count(*) FROM feedback").fetchall()[0][0] == rows:
        # The store may hold this file's rows alone: then the checksum over all of feedback says so
        # without reading the file (the ids are in the checksum).
        if tuple(con.execute(f"SELECT {_CHECKSUM} FROM feedback b").fetchall()[0]) == (rows, checksum):
            return Batch("", rows)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {IDS} AS SELECT source || ':' || native_id AS id "
            "FROM read_json(?, format = 'newline_delimited', "
            "columns = {'source': 'VARCHAR', 'native_id': 'VARCHAR'})",
            [str(path)],
        )
        stored = con.execute(f"SELECT {_CHECKSUM} FROM {IDS} i JOIN feedback b ON b.id = i.id").fetchall()[0]
    except duckdb.Error:
        stored = None
    if stored is None or tuple(stored) != (rows, checksum):
        con.execute(f"DROP TABLE IF EXISTS {IDS}")
        return None
    return Batch(IDS, rows)


def seen_again(con: duckdb.DuckDBPyConnection, batch: Batch, fp: str, now: datetime) -> UpsertCounts:
    """What the upsert does with a file of unchanged rows: move their ``last_seen_at``; the caller holds
    the transaction."""
    ids = f"FROM {batch.name} i WHERE feedback.id = i.id AND" if batch.name else "WHERE"  # "": every row
    con.execute(f"UPDATE feedback SET last_seen_at = $now {ids} feedback.last_seen_at < $now", {"now": now})
    con.execute("UPDATE imported_files SET imported_at = ? WHERE fingerprint = ?", [now, fp])
    return UpsertCounts(unchanged=batch.rows)


def into_empty(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    app_id: str,
    salt: str,
    fp: Callable[[], str],
    now: datetime,
) -> int | None:
    """A canonical file into a store without feedback, parsed, checked and inserted in one statement
    (no staged copy: what a first import costs, issue 18); its row count, or None with nothing stored
    when the store holds feedback or the file is not canonical (the caller reads it the other ways).
    ``fp`` gives the file's fingerprint once the rows are in (it may still be computing meanwhile).
    Tried before ``unchanged``: a store without feedback holds no file's rows as they were left."""
    if con.execute("SELECT count(*) FROM feedback").fetchall()[0][0]:
        return None
    select, params = canonical.lines_sql(path, app_id, tweet_url(""))
    batch = Batch("", 0, exprs={"author_hash": canonical.AUTHOR_HASH}, params={"salt": salt})
    con.execute("BEGIN TRANSACTION")
    try:
        with canonical.utc(con):
            rows = insert_all(con, select, params, batch, now)
        record(con, fp(), "feedback", now)
    except duckdb.Error:
        con.execute("ROLLBACK")
        return None
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return rows
