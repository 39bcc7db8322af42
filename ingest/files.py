"""File imports: read a JSONL or CSV export into normalized records, line by line.

Formats: Suara's normalized schema as JSONL or CSV, another tool's export through a ``--map`` of its
columns, and the CSV of tweet-harvest (the crawler most Indonesian researchers use), recognised by
its header even without ``--format tweet-harvest``.

Every line is checked before anything is stored, so a caller can load the whole file in one
transaction or, with ``--skip-bad``, load the good lines and report the bad ones by line number.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from nlp.jsonl import read_jsonl
from suara.records import FIELDS, SOURCES, normalize
from suara.store import BATCH_SCHEMA, to_batch_table

FORMATS = ("jsonl", "csv", "tweet-harvest")


@dataclass
class FileRead:
    records: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    table: pa.Table | None = None  # set by the fast path instead of records

    def batch(self, salt: str) -> pa.Table:
        """What the store's upsert takes: the fast path's table, or the good records as one."""
        return self.table if self.table is not None else to_batch_table(self.records, salt, validated=True)

    @property
    def n_read(self) -> int:
        return self.table.num_rows if self.table is not None else len(self.records)


class ImportFormatError(Exception):
    """The file as a whole cannot be read in the format asked for."""


def detect_format(path: Path) -> str:
    suffixes = "".join(path.suffixes).lower()
    if suffixes.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if suffixes.endswith(".csv"):
        return "csv"
    raise ImportFormatError(
        f"{path}: cannot tell the format from the name; pass --format ({'|'.join(FORMATS)})"
    )


def _csv_rows(path: Path) -> Iterator[tuple[int, dict | str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames:
            raise ImportFormatError(f"{path}: the CSV has no header row")
        for row in reader:
            if None in row:
                yield reader.line_num, "more cells than header columns"
                continue
            yield reader.line_num, {k: (v if v != "" else None) for k, v in row.items()}


def read_file(path: Path, fmt: str, convert: Callable[[dict], dict] | None = None) -> FileRead:
    """Read every line; ``convert`` maps a raw row to the normalized schema (identity by default)."""
    if fmt not in FORMATS:
        raise ImportFormatError(f"{path}: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not path.exists():
        raise ImportFormatError(f"{path}: file not found")
    rows = read_jsonl(path) if fmt == "jsonl" else _csv_rows(path)
    out = FileRead()
    for lineno, row in rows:
        if isinstance(row, str):
            out.errors.append((lineno, row))
            continue
        try:
            rec = convert(row) if convert else row
            out.records.append(normalize(rec))
        except (ValueError, KeyError, TypeError) as exc:
            out.errors.append((lineno, str(exc)))
    return out


def parse_mapping(spec: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """'text=content,created_at=date,source:=twitter' -> ({field: column}, {field: constant})."""
    columns: dict[str, str] = {}
    constants: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        if ":=" in part:
            key, value = part.split(":=", 1)
            constants[key.strip()] = value.strip()
        elif "=" in part:
            key, value = part.split("=", 1)
            columns[key.strip()] = value.strip()
        else:
            raise ImportFormatError(f"--map entry {part!r} is neither field=column nor field:=constant")
    return columns, constants


def mapped(columns: dict[str, str], constants: dict[str, str]) -> Callable[[dict], dict]:
    """A row converter that renames mapped columns, adds constants and drops the other columns."""
    from suara.records import FIELDS

    def convert(row: dict) -> dict:
        rec = {f: row.get(columns.get(f, f)) for f in FIELDS if columns.get(f, f) in row}
        rec.update(constants)
        return rec

    return convert


# -- tweet-harvest ------------------------------------------------------------------------------
# Its columns (any order; extra columns are ignored); these three are needed to make a record.
TWEET_HARVEST_COLUMNS = (
    "conversation_id_str",
    "created_at",
    "favorite_count",
    "full_text",
    "id_str",
    "image_url",
    "in_reply_to_screen_name",
    "lang",
    "location",
    "quote_count",
    "reply_count",
    "retweet_count",
    "tweet_url",
    "user_id_str",
    "username",
)
_TWEET_HARVEST_NEEDED = ("id_str", "full_text", "created_at")
# Columns that identify people: kept out of ``raw`` (the author survives only as the store's salted hash;
# tweet_url carries the username, so the record's url is rebuilt from the tweet id instead).
_TWEET_HARVEST_PERSONAL = ("username", "user_id_str", "in_reply_to_screen_name", "location", "tweet_url")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}


def twitter_time(value: str | None) -> datetime:
    """Classic Twitter time ``Thu Nov 02 10:05:40 +0000 2023`` -> aware datetime (locale-independent)."""
    try:
        _weekday, month, day, clock, offset, year = value.split()
        hour, minute, second = (int(x) for x in clock.split(":"))
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
        return datetime(int(year), _MONTHS[month], int(day), hour, minute, second, tzinfo=zone)
    except (AttributeError, KeyError, IndexError, ValueError):
        raise ValueError(
            f"field 'created_at' is {value!r}; expected the Twitter form 'Thu Nov 02 10:05:40 +0000 2023'"
        ) from None


def tweet_harvest(app_id: str) -> Callable[[dict], dict]:
    """A row converter for tweet-harvest's CSV."""
    from ingest.twitter import lang_code, tweet_url

    def convert(row: dict) -> dict:
        tweet_id = (row.get("id_str") or "").strip()
        if not tweet_id.isdigit():
            raise ValueError(
                f"column 'id_str' is {tweet_id!r}, not a tweet id (was the file saved by a spreadsheet?)"
            )
        return {
            "source": "twitter",
            "native_id": tweet_id,
            "app_id": app_id,
            "text": row.get("full_text"),
            "created_at": twitter_time(row.get("created_at")),
            "author": row.get("user_id_str") or row.get("username"),
            "lang": lang_code(row.get("lang")),
            "likes": row.get("favorite_count"),
            "url": tweet_url(tweet_id),
            "raw": {k: v for k, v in row.items() if k not in _TWEET_HARVEST_PERSONAL},
        }

    return convert


def _csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [c.strip() for c in next(csv.reader(fh), [])]


def _is_tweet_harvest(header: list[str]) -> bool:
    return set(_TWEET_HARVEST_NEEDED) <= set(header) and "native_id" not in header


def read_any(
    path: Path, fmt: str | None, mapping: str | None = None, app_id: str = "mpaspor", salt: str | None = None
) -> FileRead:
    """Read a file in any supported format: the normalized schema, tweet-harvest's CSV, or another tool's via --map.

    With ``salt``, a JSONL file in canonical form takes the fast path (``read_canonical_jsonl``).
    """
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt == "jsonl" and not mapping and salt is not None and path.exists():
        table = read_canonical_jsonl(path, salt)
        if table is not None:
            return FileRead(table=table)
    if fmt == "csv" and not mapping and path.exists() and _is_tweet_harvest(_csv_header(path)):
        fmt = "tweet-harvest"
    if fmt == "tweet-harvest":
        if mapping:
            raise ImportFormatError(
                f"{path}: --map does not apply to --format tweet-harvest; drop one of them"
            )
        if path.exists():
            header = _csv_header(path)
            if not _is_tweet_harvest(header):
                missing = [c for c in _TWEET_HARVEST_NEEDED if c not in header]
                raise ImportFormatError(
                    f"{path}: not a tweet-harvest CSV (missing column(s) {', '.join(missing) or 'none'}; "
                    f"the header has {', '.join(header[:6]) or 'nothing'}); check the file or pass another --format"
                )
        return read_file(path, fmt, tweet_harvest(app_id))
    convert = mapped(*parse_mapping(mapping)) if mapping else None
    return read_file(path, fmt, convert)


_TEXT_FIELDS = [f for f in FIELDS if f not in ("rating", "likes")]
_ISO_SECONDS = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?$"


def read_canonical_jsonl(path: Path, salt: str) -> pa.Table | None:
    """The fast path for large imports: DuckDB parses the file and builds the batch table in SQL.

    It takes only files already in canonical form (what Suara's sources, exports and the demo write:
    known keys, trimmed non-empty strings, whole-number ratings 1-5, ISO 8601 times to the second), for
    which the result equals ``to_batch_table`` over ``normalize``d lines (a test holds them equal).
    Anything else returns None, and the caller reads the file line by line, which names bad lines.
    """
    names = list(FIELDS)
    # Each field is extracted once, as text and as its JSON type, into columns named after it.
    values = ", ".join(f"v[{i}] AS {f}, t[{i}] AS {f}_type" for i, f in enumerate(names, start=1))
    checks = [
        "kind <> 'OBJECT'",
        "NOT list_has_all($fields, keys)",
        *(f"{f}_type NOT IN ('VARCHAR', 'NULL')" for f in _TEXT_FIELDS),
        *(f"({f} = '' OR {f} <> trim({f}))" for f in _TEXT_FIELDS if f != "text"),
        *(f"{f} IS NULL" for f, required in FIELDS.items() if required),
        "text = ''",
        "source NOT IN (SELECT unnest($sources))",
        "rating_type NOT IN ('UBIGINT', 'BIGINT', 'NULL')",
        "TRY_CAST(rating AS INTEGER) NOT BETWEEN 1 AND 5",
        "likes_type NOT IN ('UBIGINT', 'BIGINT', 'NULL')",
        "NOT regexp_full_match(created_at, $iso)",
        "NOT regexp_full_match(replied_at, $iso)",
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
        bad = con.execute(
            "SELECT count(*) FROM j WHERE " + " OR ".join(f"coalesce({c}, false)" for c in checks),
            {"fields": names, "sources": list(SOURCES), "iso": _ISO_SECONDS},
        ).fetchall()[0][0]
        if bad:
            return None
        return (
            con.sql(
                """
            SELECT source || ':' || native_id AS id, source, app_id, native_id,
                   CASE WHEN author IS NULL THEN NULL ELSE left(sha256($salt || chr(31) || author), 20) END
                       AS author_hash,
                   text, title, CAST(rating AS TINYINT) AS rating, app_version, lang, country,
                   timezone('UTC', CAST(created_at AS TIMESTAMPTZ)) AS created_at, reply_text,
                   timezone('UTC', CAST(replied_at AS TIMESTAMPTZ)) AS replied_at,
                   coalesce(CAST(likes AS INTEGER), 0) AS likes, url, raw,
                   md5(coalesce(title, '') || chr(31) || text || chr(31) || coalesce(CAST(rating AS VARCHAR), ''))
                       AS content_hash
            FROM j
            QUALIFY row_number() OVER (PARTITION BY source || ':' || native_id ORDER BY line DESC) = 1
            ORDER BY line
            """,
                params={"salt": salt},
            )
            .to_arrow_table()
            .cast(BATCH_SCHEMA)
        )
    except duckdb.Error:
        return None  # not readable as canonical JSON Lines: the line-by-line reader will say why
    finally:
        con.close()
