"""Another tool's export through ``--map``: its columns renamed to Suara's fields, checked before reading.

A spec is comma-separated entries, ``field=column`` (take the field from that column) or
``field:=value`` (the same constant for every row), e.g.
``native_id=review_id,text=isi,created_at=tanggal,source:=play_store``. ``parse`` refuses an entry
without a field or a column, a name that is not a Suara field, and a field given twice, before a line
is read; ``check_columns`` refuses a column the file does not have, and a required field that neither the
spec nor the file gives (``app_id`` falls back to ``--app``). ``suggest`` builds a working spec from a
header's column names, for the error that meets a file Suara cannot read without one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from suara.records import FIELDS


class MappingError(ValueError):
    """A --map spec that cannot work; the message names the entry and what to write."""


@dataclass
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)  # field -> column
    constants: dict[str, str] = field(default_factory=dict)  # field -> value

    def given(self) -> set[str]:
        return set(self.columns) | set(self.constants)


def parse(spec: str | None) -> Mapping:
    """'text=content,created_at=date,source:=twitter' -> a Mapping, or MappingError naming the bad entry."""
    out = Mapping()
    entries = [p.strip() for p in (spec or "").split(",")]
    if not any(entries):
        raise MappingError("--map is empty; write field=column pairs, e.g. --map 'text=content,native_id=id'")
    for part in filter(None, entries):
        constant = ":=" in part
        if not constant and "=" not in part:
            raise MappingError(f"--map entry {part!r} is neither field=column nor field:=value")
        key, value = (s.strip() for s in part.split(":=" if constant else "=", 1))
        if not key:
            raise MappingError(f"--map entry {part!r} names no field before '='; e.g. text=content")
        if key not in FIELDS:
            raise MappingError(
                f"--map entry {part!r}: {key!r} is not a Suara field; the fields are {', '.join(FIELDS)}"
            )
        if not value:
            what = "value after ':='" if constant else "column after '='"
            raise MappingError(
                f"--map entry {part!r} has no {what}; e.g. {key}{':=' if constant else '='}..."
            )
        if key in out.given():
            raise MappingError(f"--map gives the field {key!r} twice; keep one entry for it")
        (out.constants if constant else out.columns)[key] = value
    return out


def check_columns(m: Mapping, header: list[str], where: str) -> None:
    """Every mapped column exists, and every required field is given (app_id may come from --app)."""
    missing = [c for c in m.columns.values() if c not in header]
    if missing:
        raise MappingError(
            f"{where}: --map names column(s) {', '.join(map(repr, missing))}, which the file does not have; "
            f"its columns are {', '.join(header) or 'none'}"
        )
    unmapped = [
        f
        for f, required in FIELDS.items()
        if required and f != "app_id" and f not in m.given() and f not in header
    ]
    if unmapped:
        raise MappingError(
            f"{where}: no column for the required field(s) {', '.join(unmapped)}; add them to --map "
            f"(e.g. --map '{suggest(header, m)}')"
        )


def converter(m: Mapping, app_id: str) -> Callable[[dict], dict]:
    """Rename mapped columns, keep columns already named as fields, add constants, drop the rest."""
    sources = {f: m.columns.get(f, f) for f in FIELDS if f not in m.constants}

    def convert(row: dict) -> dict:
        rec = {f: row[c] for f, c in sources.items() if c in row}
        rec.update(m.constants)
        if rec.get("app_id") in (None, ""):
            rec["app_id"] = app_id
        return rec

    return convert


# Column names other tools use for each field, most common first (lower case).
_GUESSES = {
    "native_id": ("id", "review_id", "reviewid", "tweet_id", "id_str", "tid", "uuid"),
    "text": ("text", "content", "isi", "review", "ulasan", "full_text", "body", "komentar", "tweet"),
    "created_at": (
        "created_at",
        "at",
        "date",
        "tanggal",
        "tgl",
        "time",
        "timestamp",
        "ts",
        "waktu",
        "datetime",
    ),
    "rating": ("rating", "score", "bintang", "stars", "star"),
    "author": ("author", "username", "user", "nama", "name"),
    "app_version": ("app_version", "appversion", "version", "versi", "reviewcreatedversion"),
    "likes": ("likes", "thumbsupcount", "favorite_count", "like_count", "suka"),
    "reply_text": ("reply_text", "replycontent", "reply", "balasan"),
    "replied_at": ("replied_at", "repliedat"),
    "title": ("title", "judul"),
}


def suggest(header: list[str], given: Mapping | None = None) -> str:
    """A --map spec for these columns: known names guessed, required fields without a guess as COLUMN."""
    given = given or Mapping()
    lower = {c.lower(): c for c in reversed(header)}
    parts = [f"{f}={c}" for f, c in given.columns.items()]
    used = set(given.columns.values())
    for name, guesses in _GUESSES.items():
        if name in given.given():
            continue
        hit = next(
            (lower[g.lower()] for g in guesses if g.lower() in lower and lower[g.lower()] not in used), None
        )
        if hit is not None:
            parts.append(f"{name}={hit}")
            used.add(hit)
        elif FIELDS[name]:
            parts.append(f"{name}=COLUMN")
    parts += [f"{f}:={v}" for f, v in given.constants.items()]
    if "source" not in given.given() and "source" not in header:
        parts.append("source:=play_store")
    return ",".join(parts)
