"""The fast path for large imports: DuckDB parses a JSON Lines file in Suara's schema into a staged
table of the connection that will store it, validating every line in the same pass.

It takes only files already in canonical form (what Suara's sources, exports and the demo write:
known keys, trimmed non-empty strings, whole-number ratings 1-5, likes 0..MAX_LIKES, ISO 8601 times to
the second within suara.records' bounds, each id once), for which the result equals ``to_batch_table``
over the line-by-line reader's records (tests/test_import_fast.py holds them equal). Anything else
stages nothing and returns None, and the caller reads the file line by line, which names the bad lines
and the repeated ids. As on that path, tweet links are rebuilt from the tweet id (never the username)
and a missing app_id is the ``--app`` key.

Why this shape (issue 18): each line is parsed once (one ``json_extract_string``/``json_type`` over the
list of fields, the keys beside them), the checks are one boolean column of the same statement, and the
rows stay in DuckDB: the store inserts them from the staged table (``suara/upsert.py``), with no Arrow
round trip. The staged table keeps the author's name as given (a temp table of this connection, dropped
after the upsert) so the salted hash is computed only for rows that are stored (``AUTHOR_HASH``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from suara.records import EARLIEST, FIELDS, MAX_LIKES, SOURCES, latest_time

if TYPE_CHECKING:
    import pyarrow as pa

_TEXT_FIELDS = [f for f in FIELDS if f not in ("rating", "likes")]
_ISO_SECONDS = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?$"
# What Python's str.isspace() calls white space: a text made only of it is blank.
_SPACE = r"[\s\p{Z}\x{85}\x{0b}\x{1c}-\x{1f}]"
_BLANK = _SPACE + "*"
# The fields suara.records strips (all but text), joined by \x01 (NULLs left out): an empty one, or one
# with white space at an edge, matches. A \x01 inside a value can only add matches, never hide one.
_UNSTRIPPED = rf"(^|\x{{01}})(\x{{01}}|$|{_SPACE})|{_SPACE}(\x{{01}}|$)"
# The salted author hash of a staged row (b), as suara.feedback_batch.author_hash computes it; $salt is bound.
AUTHOR_HASH = "CASE WHEN b.author IS NULL THEN NULL ELSE left(sha256($salt || chr(31) || b.author), 20) END"


def rules_digest() -> str:
    """A digest of this module's rules (its source): a file it validated is valid again while it holds."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _time_bad(f: str) -> str:
    utc = f"timezone('UTC', TRY_CAST({f} AS TIMESTAMPTZ))"
    return f"({f} IS NOT NULL AND ({utc} IS NULL OR {utc} NOT BETWEEN $earliest AND $latest))"


def _checks() -> list[str]:
    return [
        # Every key a field, none twice (JSON readers disagree on which of two counts): as many keys as
        # fields found (json_type is NULL for a field the line lacks, 'NULL' for a null value).
        "len(keys) <> " + " + ".join(f"CAST({f}_type IS NOT NULL AS INTEGER)" for f in FIELDS),
        *(f"{f}_type NOT IN ('VARCHAR', 'NULL')" for f in _TEXT_FIELDS),
        # One scan for "empty, or not as str.strip() leaves it" over every stripped field (DuckDB's trim
        # keeps tabs and line breaks, which suara.records strips).
        f"regexp_matches(concat_ws(chr(1), {', '.join(f for f in _TEXT_FIELDS if f != 'text')}), $unstripped)",
        # Required fields; a line that is no object (an array, a number) has none of them.
        *(f"{f} IS NULL" for f, required in FIELDS.items() if required and f != "app_id"),
        "regexp_full_match(text, $blank)",
        # A list, not a subquery: the join a subquery plans makes DuckDB insert on one thread.
        "NOT list_contains($sources, source)",
        "rating_type NOT IN ('UBIGINT', 'BIGINT', 'NULL')",
        "TRY_CAST(rating AS INTEGER) NOT BETWEEN 1 AND 5",
        "likes_type NOT IN ('UBIGINT', 'BIGINT', 'NULL')",
        "(likes IS NOT NULL AND coalesce(TRY_CAST(likes AS BIGINT) NOT BETWEEN 0 AND $max_likes, true))",
        "NOT regexp_full_match(created_at, $iso)",
        "NOT regexp_full_match(replied_at, $iso)",
        _time_bad("created_at"),
        _time_bad("replied_at"),
    ]


def lines_sql(path: Path, app_id: str, tweet_url_prefix: str) -> tuple[str, dict]:
    """The file's lines in the batch layout (``author`` in place of its hash) with ``bad``: what is not
    canonical; a query and its parameters, to run in a connection whose TimeZone is UTC (``utc``)."""
    names = list(FIELDS)
    values = ", ".join(f"v[{i}] AS {f}, t[{i}] AS {f}_type" for i, f in enumerate(names, start=1))
    bad = " OR ".join(f"coalesce({c}, false)" for c in _checks())
    sql = f"""
        SELECT source || ':' || native_id AS id, source, coalesce(app_id, $app) AS app_id, native_id,
               author, text, title, TRY_CAST(rating AS TINYINT) AS rating, app_version, lang, country,
               timezone('UTC', TRY_CAST(created_at AS TIMESTAMPTZ)) AS created_at, reply_text,
               timezone('UTC', TRY_CAST(replied_at AS TIMESTAMPTZ)) AS replied_at,
               coalesce(TRY_CAST(likes AS INTEGER), 0) AS likes,
               CASE WHEN source = 'twitter' THEN $tweet || native_id ELSE url END AS url, raw,
               md5(coalesce(title, '') || chr(31) || text || chr(31) || coalesce(CAST(rating AS VARCHAR), ''))
                   AS content_hash,
               {bad} AS bad
        FROM (
            SELECT keys, {values} FROM (
                SELECT json_keys(json) AS keys, json_extract_string(json, $paths) AS v,
                       json_type(json, $paths) AS t
                FROM read_json_objects($path, format = 'newline_delimited')
            )
        )
    """
    params = {
        "path": str(path),
        "paths": names,
        "sources": list(SOURCES),
        "iso": _ISO_SECONDS,
        "earliest": EARLIEST,
        "latest": latest_time(),
        "max_likes": MAX_LIKES,
        "blank": _BLANK,
        "unstripped": _UNSTRIPPED,
        "app": app_id,
        "tweet": tweet_url_prefix,
    }
    return sql, params


@contextmanager
def utc(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The connection's TimeZone as UTC for a block (a time without an offset is UTC, as
    suara.records reads it), then as it was."""
    zone = con.execute("SELECT current_setting('TimeZone')").fetchall()[0][0]
    con.execute("SET TimeZone = 'UTC'")
    try:
        yield
    finally:
        con.execute("SET TimeZone = $zone", {"zone": zone})


def stage(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, app_id: str, tweet_url_prefix: str
) -> int | None:
    """Stage the file as TEMP table ``name`` in ``con`` (``lines_sql``'s layout); its row count, or None
    (nothing staged) when the file is not canonical JSON Lines."""
    sql, params = lines_sql(path, app_id, tweet_url_prefix)
    con.execute(f"DROP TABLE IF EXISTS {name}")
    try:
        with utc(con):
            con.execute(f"CREATE TEMP TABLE {name} AS {sql}", params)
        bad_rows, rows, distinct = con.execute(
            f"SELECT count(*) FILTER (WHERE bad), count(*), count(DISTINCT id) FROM {name}"
        ).fetchall()[0]
    except duckdb.Error:
        bad_rows, rows, distinct = 1, 0, 0  # not readable as JSON Lines: the line-by-line reader says why
    if bad_rows or distinct < rows:
        con.execute(f"DROP TABLE IF EXISTS {name}")
        return None
    return rows


def read(path: Path, salt: str, app_id: str, tweet_url_prefix: str) -> pa.Table | None:
    """The staged rows as the feedback batch (``suara.feedback_batch.batch_schema()``), or None: for callers
    without a store connection, and for the tests that hold this path equal to the line-by-line one."""
    from suara.feedback_batch import batch_schema

    con = duckdb.connect()
    try:
        if stage(con, path, "_staged", app_id, tweet_url_prefix) is None:
            return None
        cols = ", ".join(
            AUTHOR_HASH + " AS author_hash" if c == "author_hash" else f"b.{c}" for c in batch_schema().names
        )
        return (
            con.sql(f"SELECT {cols} FROM _staged b", params={"salt": salt})
            .to_arrow_table()
            .cast(batch_schema())
        )
    finally:
        con.close()
