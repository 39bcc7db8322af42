"""What DuckDB itself takes for the import's work, measured in the same run as `suara import` (issue 18).

The import stage prints its figures beside these floors, because on a shared machine only a ratio
measured side by side holds:

- ``ctas``: ``CREATE TABLE AS SELECT * FROM read_json(FILE)`` into a new database file: reading and
  storing the lines, nothing checked, no key;
- ``pk_insert``: the same rows ``INSERT``ed into a table with feedback's primary key (``source:native_id``)
  in a new file: the least a first import that refuses repeated ids can cost;
- ``reimport``: on the imported database, the file read again and compared with the stored rows (an
  anti-join for new ids, the content hash for changed ones): the least a re-import that finds nothing
  new can cost.

Each runs in its own connection, in this process, timed (wall and CPU) over the statement and its
commit.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.base import Timer, remove_db

_READ = "read_json($path, format = 'newline_delimited')"


def ctas(path: Path, db: Path) -> Timer:
    remove_db(db)
    con = duckdb.connect(str(db))
    try:
        with Timer() as t:
            con.execute(f"CREATE TABLE lines AS SELECT * FROM {_READ}", {"path": str(path)})
            con.execute("CHECKPOINT")
    finally:
        con.close()
        remove_db(db)
    return t


def pk_insert(path: Path, db: Path) -> Timer:
    remove_db(db)
    con = duckdb.connect(str(db))
    try:
        con.execute(
            f"CREATE TABLE lines AS SELECT source || ':' || native_id AS id, * FROM {_READ} LIMIT 0",
            {"path": str(path)},
        )
        con.execute("ALTER TABLE lines ADD PRIMARY KEY (id)")
        with Timer() as t:
            con.execute(
                f"INSERT INTO lines SELECT source || ':' || native_id, * FROM {_READ}", {"path": str(path)}
            )
            con.execute("CHECKPOINT")
    finally:
        con.close()
        remove_db(db)
    return t


def reimport(path: Path, db: Path) -> Timer:
    """The comparison of the file with an imported database (read-only; nothing is written)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        with Timer() as t:
            new, changed = con.execute(
                f"""
                SELECT count(*) FILTER (WHERE f.id IS NULL),
                       count(*) FILTER (WHERE f.id IS NOT NULL AND f.content_hash <> md5(
                           coalesce(j.title, '') || chr(31) || j.text || chr(31) || coalesce(CAST(j.rating AS VARCHAR), '')))
                FROM {_READ} j LEFT JOIN feedback f ON f.id = j.source || ':' || j.native_id
                """,
                {"path": str(path)},
            ).fetchall()[0]
    finally:
        con.close()
    if new or changed:
        raise RuntimeError(f"the re-import floor found {new} new and {changed} changed rows; expected none")
    return t
