"""The fast path for large imports: DuckDB parses a JSON Lines file in Suara's schema and builds the
batch table in SQL, validating every line in the same pass.

It takes only files already in canonical form (what Suara's sources, exports and the demo write:
known keys, trimmed non-empty strings, whole-number ratings 1-5, likes 0..MAX_LIKES, ISO 8601 times to
the second within suara.records' bounds, each id once), for which the result equals ``to_batch_table``
over the line-by-line reader's records (tests/test_import_fast.py holds them equal). Anything else
returns None, and the caller reads the file line by line, which names the bad lines and the repeated
ids. As on that path, tweet links are rebuilt from the tweet id (never the username) and a missing
app_id is the ``--app`` key.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from suara.records import EARLIEST, FIELDS, MAX_LIKES, SOURCES, latest_time
from suara.store import BATCH_SCHEMA

_TEXT_FIELDS = [f for f in FIELDS if f not in ("rating", "likes")]
_ISO_SECONDS = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?$"
# What Python's str.isspace() calls white space: a text made only of it is blank.
_BLANK = r"[\s\p{Z}\x{85}\x{0b}\x{1c}-\x{1f}]*"


def _time_bad(f: str) -> str:
    utc = f"timezone('UTC', TRY_CAST({f} AS TIMESTAMPTZ))"
    return f"({f} IS NOT NULL AND ({utc} IS NULL OR {utc} NOT BETWEEN $earliest AND $latest))"


def read(path: Path, salt: str, app_id: str, tweet_url_prefix: str) -> pa.Table | None:
    names = list(FIELDS)
    # Each field is extracted once, as text and as its JSON type, into columns named after it.
    values = ", ".join(f"v[{i}] AS {f}, t[{i}] AS {f}_type" for i, f in enumerate(names, start=1))
    checks = [
        "kind <> 'OBJECT'",
        "NOT list_has_all($fields, keys)",
        "len(keys) <> len(list_distinct(keys))",  # a key given twice: JSON readers disagree on which counts
        *(f"{f}_type NOT IN ('VARCHAR', 'NULL')" for f in _TEXT_FIELDS),
        *(f"({f} = '' OR {f} <> trim({f}))" for f in _TEXT_FIELDS if f != "text"),
        *(f"{f} IS NULL" for f, required in FIELDS.items() if required and f != "app_id"),
        "regexp_full_match(text, $blank)",
        "source NOT IN (SELECT unnest($sources))",
        "rating_type NOT IN ('UBIGINT', 'BIGINT', 'NULL')",
        "TRY_CAST(rating AS INTEGER) NOT BETWEEN 1 AND 5",
        "likes_type NOT IN ('UBIGINT', 'BIGINT', 'NULL')",
        "(likes IS NOT NULL AND coalesce(TRY_CAST(likes AS BIGINT) NOT BETWEEN 0 AND $max_likes, true))",
        "NOT regexp_full_match(created_at, $iso)",
        "NOT regexp_full_match(replied_at, $iso)",
        _time_bad("created_at"),
        _time_bad("replied_at"),
    ]
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(
            f"""
            CREATE TEMP TABLE j AS
            SELECT line, kind, keys, {values} FROM (
                SELECT row_number() OVER () AS line, json_type(json) AS kind, json_keys(json) AS keys,
                       json_extract_string(json, $paths) AS v, json_type(json, $paths) AS t
                FROM read_json_objects($path, format = 'newline_delimited')
            )
            """,
            {"path": str(path), "paths": names},
        )
        bad, lines, distinct = con.execute(
            "SELECT count(*) FILTER (WHERE " + " OR ".join(f"coalesce({c}, false)" for c in checks) + "), "
            "count(*), count(DISTINCT source || ':' || native_id) FROM j",
            {
                "fields": names,
                "sources": list(SOURCES),
                "iso": _ISO_SECONDS,
                "earliest": EARLIEST,
                "latest": latest_time(),
                "max_likes": MAX_LIKES,
                "blank": _BLANK,
            },
        ).fetchall()[0]
        if bad or distinct < lines:
            return None
        return (
            con.sql(
                """
            SELECT source || ':' || native_id AS id, source, coalesce(app_id, $app) AS app_id, native_id,
                   CASE WHEN author IS NULL THEN NULL ELSE left(sha256($salt || chr(31) || author), 20) END
                       AS author_hash,
                   text, title, CAST(rating AS TINYINT) AS rating, app_version, lang, country,
                   timezone('UTC', CAST(created_at AS TIMESTAMPTZ)) AS created_at, reply_text,
                   timezone('UTC', CAST(replied_at AS TIMESTAMPTZ)) AS replied_at,
                   coalesce(CAST(likes AS INTEGER), 0) AS likes,
                   CASE WHEN source = 'twitter' THEN $tweet || native_id ELSE url END AS url, raw,
                   md5(coalesce(title, '') || chr(31) || text || chr(31) || coalesce(CAST(rating AS VARCHAR), ''))
                       AS content_hash
            FROM j
            ORDER BY line
            """,
                params={"salt": salt, "app": app_id, "tweet": tweet_url_prefix},
            )
            .to_arrow_table()
            .cast(BATCH_SCHEMA)
        )
    except duckdb.Error:
        return None  # not readable as canonical JSON Lines: the line-by-line reader will say why
    finally:
        con.close()
