"""An increment: the rows written since the previous backup, as parquet, and how to apply it.

Every table is in every increment, chosen by how the store writes it (suara/migrations.py, and the
writers: suara/upsert.py, suara/store.py, suara/human_labels.py, suara/sentiment.py, reply/workflow.py):

- keyed (``feedback`` by id; ``classifications``, ``feedback_sentiment``, ``human_reviews`` by
  feedback_id; ``replies`` by feedback_id and version): the rows whose stamp moved since the previous
  backup. Every write of these tables stamps the row (``last_seen_at`` on every upsert and re-import,
  ``replied_at`` when a reply is posted, ``classified_at``, ``scored_at``, ``reviewed_at``,
  ``updated_at``). The store never deletes from them. Applied as delete-by-key, then insert.
- window (``feedback_revisions``, ``reply_events``: append-only, no key): the rows stamped since; applied
  by replacing that window of the restored table.
- group (``labels``, ``effective_labels``, ``feedback_offices``): the store replaces these per feedback
  item (delete its rows, insert the new set), so rows do get deleted. The increment holds the items
  touched since (classified, reviewed by an analyst, or labelled: ``_touched.parquet``) with all their
  rows now, possibly none; applied as delete-by-item, then insert. A deleted label is an item with
  fewer rows.
- whole: every other table (runs, models, alerts, topics and their members, state, ...), small, copied
  whole; a table added by a later migration is whole until it is given a rule here.

"Since" is a watermark per table from the previous backup's manifest: the clock when that backup
began, minus ``MARGIN``. The writers stamp rows with the same clock (``utcnow``, whole seconds), so a row
written after the previous backup has a stamp at or after it; the margin covers a clock stepped back a
little. The overlap re-copies the rows of the last minutes before a backup; applying them twice gives
the same table. A writer that stamped rows with an earlier time than the clock would be missed: none
does (the store's ``now`` parameters exist for tests), and the weekly full copy bounds what such a
miss could cost. Each file is written by DuckDB's COPY, read back and checked (rows and a
hash of every row) against the same selection of the live database, before the manifest is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

MARGIN = timedelta(minutes=5)
TOUCHED = "_touched.parquet"


@dataclass(frozen=True)
class Rule:
    kind: str  # keyed | window | group | whole
    key: tuple[str, ...] = ()
    stamps: tuple[str, ...] = ()  # the first is the store's own stamp: the watermark is read from it


RULES = {
    "feedback": Rule("keyed", ("id",), ("last_seen_at", "replied_at")),
    "classifications": Rule("keyed", ("feedback_id",), ("classified_at",)),
    "feedback_sentiment": Rule("keyed", ("feedback_id",), ("scored_at",)),
    "human_reviews": Rule("keyed", ("feedback_id",), ("reviewed_at",)),
    "replies": Rule("keyed", ("feedback_id", "version"), ("updated_at",)),
    "feedback_revisions": Rule("window", (), ("replaced_at",)),
    "reply_events": Rule("window", (), ("acted_at",)),
    "labels": Rule("group", ("feedback_id",), ("created_at",)),
    "effective_labels": Rule("group", ("feedback_id",)),
    "feedback_offices": Rule("group", ("feedback_id",)),
}
# the items whose label set may have changed: classified, reviewed or labelled since
_TOUCHED_BY = (
    ("classifications", "classified_at"),
    ("human_reviews", "reviewed_at"),
    ("labels", "created_at"),
)


def rule(table: str) -> Rule:
    return RULES.get(table, Rule("whole"))


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "AND table_schema = 'main' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def watermarks(con: duckdb.DuckDBPyConnection, clock: datetime) -> dict[str, str]:
    """The "since" of the next increment, per stamped table: the backup's clock minus MARGIN."""
    since = (clock - MARGIN).isoformat()
    return {table: since for table in tables(con) if rule(table).stamps}


def sequences(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute(
        "SELECT sequence_name, last_value FROM duckdb_sequences() WHERE NOT temporary AND schema_name = 'main'"
    ).fetchall()
    return {name: value for name, value in rows if value is not None}


def checksum(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, int]:
    """Rows and a hash of every row of a SELECT or a table name."""
    rows, digest = con.execute(
        f"SELECT count(*), coalesce(bit_xor(hash(x)), 0) FROM ({relation}) AS x"
    ).fetchall()[0]
    return int(rows), int(digest)


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def selection(table: str, since: dict[str, str], touched: Path) -> str:
    """The SELECT of ``table``'s rows for an increment made after a backup whose watermarks are ``since``."""
    r = rule(table)
    name = f'"{table}"'
    if r.kind == "group":
        return f"SELECT * FROM {name} WHERE feedback_id IN (SELECT feedback_id FROM read_parquet({_lit(touched)}))"
    if r.kind == "whole" or table not in since:
        return f"SELECT * FROM {name}"
    stamp = f"TIMESTAMP '{since[table]}'"
    return f"SELECT * FROM {name} WHERE " + " OR ".join(f'"{s}" >= {stamp}' for s in r.stamps)


def touched_selection(con: duckdb.DuckDBPyConnection, since: dict[str, str]) -> str:
    present = set(tables(con))
    parts = [
        f'SELECT feedback_id FROM "{t}" WHERE "{col}" >= TIMESTAMP \'{since[t]}\''
        if t in since
        else f'SELECT feedback_id FROM "{t}"'
        for t, col in _TOUCHED_BY
        if t in present
    ]
    return " UNION ".join(parts) or "SELECT NULL::VARCHAR AS feedback_id WHERE false"


def write(con: duckdb.DuckDBPyConnection, into: Path, since: dict[str, str]) -> dict:
    """Write the increment of the open (read-only) live database into the directory ``into``; return the
    manifest's ``tables`` and ``touched`` entries. Raises ``ValueError`` when a file does not read back."""
    touched = into / TOUCHED
    entries = {}
    todo = [("_touched", touched_selection(con, since), touched)]
    todo += [(t, selection(t, since, touched), into / f"{t}.parquet") for t in tables(con)]
    for table, select, path in todo:
        con.execute(f"COPY ({select}) TO {_lit(path)} (FORMAT parquet, COMPRESSION zstd)")
        want = checksum(con, select)
        got = checksum(con, f"SELECT * FROM read_parquet({_lit(path)})")
        if got != want:
            raise ValueError(f"increment file {path.name} reads back {got[0]} rows, expected {want[0]}")
        entry = {"file": path.name, "rows": want[0], "checksum": want[1]}
        if table != "_touched":
            entry |= {"kind": rule(table).kind, "total": checksum_count(con, table)}
            if table in since:
                entry["since"] = since[table]
        entries[table] = entry
    touched_entry = entries.pop("_touched")
    return {"tables": entries, "touched": touched_entry}


def checksum_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0])


def verify_files(con: duckdb.DuckDBPyConnection, link_dir: Path, manifest: dict) -> None:
    """Every file of an increment reads back with the rows and hash its manifest recorded."""
    for entry in [*manifest["tables"].values(), manifest["touched"]]:
        path = link_dir / entry["file"]
        try:
            got = checksum(con, f"SELECT * FROM read_parquet({_lit(path)})")
        except duckdb.Error as exc:
            raise ValueError(
                f"{link_dir.name}/{entry['file']} does not read ({str(exc).splitlines()[0]})"
            ) from None
        if got != (entry["rows"], entry["checksum"]):
            raise ValueError(
                f"{link_dir.name}/{entry['file']} is not the file its manifest describes (damaged)"
            )


def apply(con: duckdb.DuckDBPyConnection, link_dir: Path, manifest: dict) -> None:
    """Apply one increment to the database being restored, in the caller's transaction."""
    touched = _lit(link_dir / manifest["touched"]["file"])
    present = set(tables(con))
    for table, entry in manifest["tables"].items():
        if table not in present:
            raise ValueError(f"table {table} of {link_dir.name} is not in the database being restored")
        src = f"read_parquet({_lit(link_dir / entry['file'])})"
        r = Rule(entry["kind"], rule(table).key, rule(table).stamps)
        name = f'"{table}"'
        if r.kind == "whole" or (r.kind in ("keyed", "window") and "since" not in entry):
            con.execute(f"DELETE FROM {name}")
        elif r.kind == "keyed":
            match = " AND ".join(f'{name}."{k}" = p."{k}"' for k in r.key)
            con.execute(f"DELETE FROM {name} WHERE EXISTS (SELECT 1 FROM {src} p WHERE {match})")
        elif r.kind == "window":
            con.execute(f"DELETE FROM {name} WHERE \"{r.stamps[0]}\" >= TIMESTAMP '{entry['since']}'")
        elif r.kind == "group":
            con.execute(
                f"DELETE FROM {name} WHERE feedback_id IN (SELECT feedback_id FROM read_parquet({touched}))"
            )
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM {src}")
