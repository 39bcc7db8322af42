"""File imports: read a file's rows with their line numbers, pick its format, and make normalized records.

Formats (ingest/formats/): Suara's schema as JSONL or CSV, another tool's export through a ``--map``
of its columns, a google-play-scraper dump (CSV, JSONL or a JSON array) and tweet-harvest's CSV; the
last two are recognised by their header even without ``--format``; a WhatsApp chat export (.txt, only
with ``--format whatsapp``). A ``.json`` file is a JSON array
or JSON Lines by its content, not its name.

Every line is checked before anything is stored, so a caller can load the whole file in one
transaction or, with ``--skip-bad``, load the good lines and report the bad ones by line number
(a JSON array: by item number). Bytes that are not UTF-8 (a Latin-1 CSV, a scribbled line) are such a
bad line, not a crash. An id that appears on two lines is counted: the last line wins, and the caller
may refuse the file instead (``--strict``). What cannot be read at all (no header, columns that are no
Suara fields and no ``--map``, a bad ``--map``) raises ``ImportFormatError`` before any line is read.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ingest.formats import canonical, mapping, play_dump, tweet_harvest, whatsapp
from nlp.jsonl import read_jsonl
from suara.records import FIELDS, normalize
from suara.upsert import Batch

if TYPE_CHECKING:
    import pyarrow as pa

STAGED = "_import_file"  # the fast path's staged table in the store's connection
FORMATS = ("jsonl", "json", "csv", "play", "tweet-harvest", "whatsapp")
# A pandas index column written by to_csv (header cell empty) or re-saved by read_csv ("Unnamed: 0").
_INDEX_COLUMNS = ("", "Unnamed: 0")
_NOT_UTF8 = (
    "not valid UTF-8 (the file looks like Latin-1 or Windows-1252: save it as UTF-8, "
    "e.g. 'CSV UTF-8' in a spreadsheet)"
)


class ImportFormatError(Exception):
    """The file as a whole cannot be read in the format asked for."""


@dataclass
class FileRead:
    records: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (line, earlier line with its id)
    table: pa.Table | None = None  # set by the fast path instead of records (no store connection)
    staged: Batch | None = None  # set by the fast path into the store's connection instead of records
    unit: str = "line"  # what the numbers count: "line", or "item" in a JSON array
    format: str = "jsonl"

    def batch(self, salt: str) -> pa.Table | Batch:
        """What the store's upsert takes: the fast path's staged table or Arrow table, or the good records
        as one table (last wins)."""
        if self.staged is not None:
            return self.staged
        from suara.feedback_batch import to_batch_table

        return self.table if self.table is not None else to_batch_table(self.records, salt, validated=True)

    @property
    def n_read(self) -> int:
        """Good lines, counting those whose id repeats an earlier line."""
        if self.staged is not None:
            return self.staged.rows
        return self.table.num_rows if self.table is not None else len(self.records)


# -- rows ----------------------------------------------------------------------------------------
def _is_array(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"[")


def _container(path: Path, fmt: str | None) -> str:
    """How the rows are stored: 'csv', 'jsonl' or 'array' (a JSON file, by its first character)."""
    suffix = path.suffix.lower()
    if fmt in ("csv", "tweet-harvest") or (fmt in (None, "play") and suffix == ".csv"):
        return "csv"
    if fmt in ("jsonl", "json", "play", None) and suffix in (".jsonl", ".ndjson", ".json", ".jsonlines"):
        return "array" if _is_array(path) else "jsonl"
    if fmt in ("jsonl", "json"):
        return "array" if _is_array(path) else "jsonl"
    raise ImportFormatError(
        f"{path}: cannot tell the format from the name; pass --format ({'|'.join(FORMATS)})"
    )


def _valid_utf8(values) -> bool:
    try:
        "".join(v for v in values if v).encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        try:
            header = [c.strip() for c in next(csv.reader(fh), [])]
        except csv.Error as exc:
            raise ImportFormatError(f"{path}, line 1: not a readable CSV header ({exc})") from None
    if not header or not any(header):
        raise ImportFormatError(f"{path}: the CSV has no header row")
    if not _valid_utf8(header):
        raise ImportFormatError(f"{path}, line 1: {_NOT_UTF8}")
    return header


def _csv_rows(path: Path) -> Iterator[tuple[int, dict | str]]:
    header = _csv_header(path)
    keep = [i for i, c in enumerate(header) if not (i == 0 and c in _INDEX_COLUMNS)]
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh)
        lineno = 1
        try:
            next(reader)
            for cells in reader:
                first, lineno = lineno + 1, reader.line_num
                if not any(cells):
                    continue
                if len(cells) > len(header):
                    yield first, "more cells than header columns"
                elif not _valid_utf8(cells):
                    yield first, _NOT_UTF8
                else:
                    yield (
                        first,
                        {header[i]: (cells[i] if i < len(cells) and cells[i] != "" else None) for i in keep},
                    )
        except csv.Error as exc:
            raise ImportFormatError(f"{path}, line {reader.line_num}: not readable as CSV ({exc})") from None


def _array_rows(path: Path) -> Iterator[tuple[int, dict | str]]:
    data = path.read_bytes()
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFormatError(f"{path}, line {line}: {_NOT_UTF8}") from None
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            f"{path}, line {exc.lineno}: not a valid JSON array ({exc.msg}); "
            "a file of one object per line is JSON Lines (--format jsonl)"
        ) from None
    if not isinstance(items, list):
        raise ImportFormatError(f"{path}: a JSON file must hold an array of objects or one object per line")
    for number, item in enumerate(items, start=1):
        yield number, item if isinstance(item, dict) else "not a JSON object"


def _rows(path: Path, container: str) -> Iterator[tuple[int, dict | str]]:
    if container == "csv":
        return _csv_rows(path)
    if container == "array":
        return _array_rows(path)
    return read_jsonl(path)


def _header(path: Path, container: str) -> list[str]:
    """The CSV header, or the keys of the first object of a JSON file."""
    if container == "csv":
        header = _csv_header(path)
        return [c for i, c in enumerate(header) if not (i == 0 and c in _INDEX_COLUMNS)]
    for _number, row in _rows(path, container):
        if isinstance(row, dict):
            return list(row)
    return []


# -- reading -------------------------------------------------------------------------------------
def read_rows(
    rows: Iterator[tuple[int, dict | str]], convert: Callable[[dict], dict], twitter_url: Callable[[str], str]
) -> FileRead:
    """Convert and check every row; note bad rows and ids that repeat an earlier row."""
    out = FileRead()
    first_line: dict[str, int] = {}
    for lineno, row in rows:
        if isinstance(row, str):
            out.errors.append((lineno, row))
            continue
        try:
            rec = normalize(convert(row))
        except (ValueError, KeyError, TypeError) as exc:
            out.errors.append((lineno, str(exc)))
            continue
        if rec["source"] == "twitter":
            rec["url"] = twitter_url(rec["native_id"])  # never the username's link
        key = f"{rec['source']}:{rec['native_id']}"
        if key in first_line:
            out.duplicates.append((lineno, first_line[key]))
        first_line[key] = lineno
        out.records.append(rec)
    return out


def _plain(app_id: str) -> Callable[[dict], dict]:
    """Rows already in Suara's schema: only a missing app_id is filled in, from --app."""

    def convert(row: dict) -> dict:
        if row.get("app_id") in (None, ""):
            row = {**row, "app_id": app_id}
        return row

    return convert


def _unknown_columns_error(path: Path, header: list[str], unknown: list[str]) -> ImportFormatError:
    example = mapping.suggest(header)
    return ImportFormatError(
        f"{path}: column(s) {', '.join(unknown[:8])}{' ...' if len(unknown) > 8 else ''} are not Suara fields; "
        f"name them with --map, or pick a --format (play, tweet-harvest) that reads this tool's file. "
        f"For these columns, e.g.: suara import {path} --map '{example}'"
    )


def parse_spec(spec: str | None) -> mapping.Mapping | None:
    """A --map spec, checked before any file is opened (ImportFormatError naming the bad entry)."""
    try:
        return mapping.parse(spec) if spec is not None else None
    except mapping.MappingError as exc:
        raise ImportFormatError(str(exc)) from None


def fast_path(path: Path, fmt: str | None, spec, tz: str | None, salt: str | None) -> bool:
    """Whether ``read_any`` tries the fast path (formats/canonical.py) on this file and these options."""
    if spec is not None or tz is not None or salt is None or fmt not in (None, "jsonl", "json"):
        return False
    try:
        return _container(Path(path), fmt) == "jsonl"
    except ImportFormatError:
        return False


def read_any(
    path: Path,
    fmt: str | None,
    spec: mapping.Mapping | str | None = None,
    app_id: str = "mpaspor",
    salt: str | None = None,
    package: str | None = None,
    tz: str | None = None,
    office_senders: tuple[str, ...] = (),
    office: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> FileRead:
    """Read a file in any supported format (see the module docstring).

    ``package`` is the app's Play id (for the links of a Play dump), ``tz`` the zone of a Play dump's
    or a WhatsApp chat's naive times. With ``salt``, a JSONL file in canonical form takes the fast path
    (formats/canonical.py): with ``con`` (the store's connection), into a table staged there for the
    upsert, else into an Arrow table. ``office_senders`` and ``office`` are a WhatsApp chat's
    (formats/whatsapp.py).
    """
    from ingest.tweet_links import tweet_url

    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise ImportFormatError(f"{path}: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if isinstance(spec, str):
        spec = parse_spec(spec)
    if not path.is_file():
        raise ImportFormatError(f"{path}: file not found" if not path.exists() else f"{path}: not a file")
    if fmt == "whatsapp":
        return _read_whatsapp(path, spec, app_id, salt, office_senders, office, tz)
    if office_senders or office:
        raise ImportFormatError(f"{path}: --office and --office-sender apply to --format whatsapp only")
    container = _container(path, fmt)
    if spec is not None and fmt in ("play", "tweet-harvest"):
        raise ImportFormatError(f"{path}: --map does not apply to --format {fmt}; drop one of them")
    if tz is not None and fmt not in (None, "play"):
        raise ImportFormatError(f"{path}: --tz applies to --format play and whatsapp only")
    if fast_path(path, fmt, spec, tz, salt):
        if con is not None:
            rows = canonical.stage(con, path, STAGED, app_id, tweet_url(""))
            if rows is not None:
                exprs = {"author_hash": canonical.AUTHOR_HASH}
                return FileRead(
                    staged=Batch(STAGED, rows, exprs=exprs, params={"salt": salt}), format="jsonl"
                )
        else:
            table = canonical.read(path, salt, app_id, tweet_url(""))
            if table is not None:
                return FileRead(table=table, format="jsonl")
    header = _header(path, container)
    if (
        spec is None
        and fmt in (None, "csv")
        and container == "csv"
        and tweet_harvest.is_tweet_harvest(header)
    ):
        fmt = "tweet-harvest"
    if spec is None and fmt is None and play_dump.is_play_dump(header):
        fmt = "play"
    if tz is not None and fmt != "play":
        raise ImportFormatError(f"{path}: --tz applies to --format play only, and this is not a Play dump")
    if fmt == "tweet-harvest":
        missing = tweet_harvest.missing_columns(header)
        if missing:
            raise ImportFormatError(
                f"{path}: not a tweet-harvest CSV (missing column(s) {', '.join(missing)}; "
                f"the header has {', '.join(header[:6]) or 'nothing'}); check the file or pass another --format"
            )
        convert = tweet_harvest.converter(app_id)
    elif fmt == "play":
        if not {"content", "at"} <= set(header):
            raise ImportFormatError(
                f"{path}: not a google-play-scraper dump (it needs the columns content and at; the "
                f"header has {', '.join(header[:6]) or 'nothing'}); check the file or pass another --format"
            )
        convert = play_dump.converter(app_id, package, tz or play_dump.DEFAULT_TZ)
    elif spec is not None:
        try:
            mapping.check_columns(spec, header, str(path))
        except mapping.MappingError as exc:
            raise ImportFormatError(str(exc)) from None
        convert = mapping.converter(spec, app_id)
    else:
        unknown = [c for c in header if c not in FIELDS]
        if unknown:
            raise _unknown_columns_error(path, header, unknown)
        convert = _plain(app_id)
    out = read_rows(_rows(path, container), convert, tweet_url)
    out.unit = "item" if container == "array" else "line"
    out.format = fmt or ("csv" if container == "csv" else "jsonl")
    return out


def _read_whatsapp(path, spec, app_id, salt, office_senders, office, tz) -> FileRead:
    if spec is not None:
        raise ImportFormatError(f"{path}: --map does not apply to --format whatsapp; drop one of them")
    if salt is None:
        raise ImportFormatError(f"{path}: a WhatsApp chat needs the author salt for its ids")
    try:
        rows, errors = whatsapp.rows(path, app_id, salt, office_senders, office, tz or whatsapp.DEFAULT_TZ)
    except whatsapp.WhatsAppFormatError as exc:
        text = str(exc)
        raise ImportFormatError(text if text.startswith(str(path)) else f"{path}: {text}") from None
    out = read_rows(iter(rows), lambda row: row, lambda _id: "")
    out.errors = sorted(errors + out.errors)
    out.format = "whatsapp"
    return out
