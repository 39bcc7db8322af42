"""File imports: read a JSONL or CSV export into normalized records, line by line.

Every line is checked before anything is stored, so a caller can load the whole file in one
transaction or, with ``--skip-bad``, load the good lines and report the bad ones by line number.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from suara.records import normalize

FORMATS = ("jsonl", "csv")


@dataclass
class FileRead:
    records: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


class ImportFormatError(Exception):
    """The file as a whole cannot be read in the format asked for."""


def detect_format(path: Path) -> str:
    suffixes = "".join(path.suffixes).lower()
    if suffixes.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if suffixes.endswith(".csv"):
        return "csv"
    raise ImportFormatError(f"{path}: cannot tell the format from the name; pass --format ({'|'.join(FORMATS)})")


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict | str]]:
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield lineno, f"not valid JSON ({exc.msg} at column {exc.colno})"
                continue
            if not isinstance(obj, dict):
                yield lineno, "not a JSON object"
                continue
            yield lineno, obj


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
    rows = _jsonl_rows(path) if fmt == "jsonl" else _csv_rows(path)
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


def read_any(path: Path, fmt: str | None, mapping: str | None = None, app_id: str = "mpaspor") -> FileRead:
    """Read a file in any supported format: the normalized schema, or another tool's via --map."""
    path = Path(path)
    fmt = fmt or detect_format(path)
    convert = mapped(*parse_mapping(mapping)) if mapping else None
    return read_file(path, fmt, convert)
