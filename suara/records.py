"""The normalized feedback record every source yields and the store accepts.

A record is a plain dict with the keys of ``FIELDS``. ``normalize`` checks and converts one, so a
source, a file import and a test all go through the same rules; it raises ``ValueError`` with a
message naming the field, which callers prefix with the line or page it came from.

The rules are strict where a silent coercion would plant a wrong value in every dashboard page: a
time must lie between 2000-01-01 and a day after now (one row dated 9999 breaks every chart), a rating
is a whole number 1-5 (``3.7`` and ``true`` are refused, not rounded), likes a whole number from 0 to
``MAX_LIKES`` (the store's column is 32-bit), the text a non-blank string. The fast JSONL import
(ingest/formats/canonical.py) applies the same bounds in SQL, from the constants here.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

SOURCES = ("play_store", "app_store", "twitter", "whatsapp", "instagram")

# name -> required?
FIELDS: dict[str, bool] = {
    "source": True,
    "native_id": True,
    "app_id": True,
    "text": True,
    "created_at": True,
    "author": False,
    "title": False,
    "rating": False,
    "app_version": False,
    "lang": False,
    "country": False,
    "reply_text": False,
    "replied_at": False,
    "likes": False,
    "url": False,
    "raw": False,
}


EARLIEST = datetime(2000, 1, 1)  # no public-service app review or tweet about one is older
FUTURE_SLACK = timedelta(days=1)  # clocks and time zones differ; more than this ahead is a bad value
MAX_LIKES = 2**31 - 1


def latest_time() -> datetime:
    """The latest acceptable time (naive UTC): a day after now."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0) + FUTURE_SLACK


def parse_time(value, name: str = "created_at") -> datetime | None:
    """ISO 8601 text (``Z`` or an offset), a datetime or epoch seconds -> naive UTC; naive input is UTC.

    Raises ``ValueError`` naming the field for anything else and for times outside
    ``EARLIEST`` .. ``latest_time()``.
    """
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, datetime):
            dt = value
        elif isinstance(value, int | float):
            dt = datetime.fromtimestamp(value, tz=UTC)
        elif isinstance(value, str):
            text = value.strip()
            if text.endswith("Z"):
                text = text[:-1] + "+00:00"
            dt = datetime.fromisoformat(text)
        else:
            raise ValueError
        if dt.tzinfo is not None:
            dt = dt.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError, TypeError):
        raise ValueError(
            f"field '{name}' is {_show(value)}; expected an ISO 8601 time (e.g. 2024-05-01T08:30:00Z)"
        ) from None
    dt = dt.replace(microsecond=0)
    if not EARLIEST <= dt <= latest_time():
        raise ValueError(
            f"field '{name}' is {dt:%Y-%m-%d %H:%M:%S} UTC, outside {EARLIEST:%Y-%m-%d} .. tomorrow; "
            "check the file's dates"
        )
    return dt


def _show(value) -> str:
    """A value for an error message: short, and never a whole review text."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def whole_number(value, name: str, low: int, high: int) -> int | None:
    """An integer within ``low..high`` from an int, an integral float (``5.0``, what pandas writes for a
    column with gaps) or a string of one; ``True``, ``3.7``, ``"lima"`` are errors naming the field."""
    if value is None or value == "":
        return None
    number = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        number = int(value) if math.isfinite(value) and value.is_integer() else None
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                as_float = math.nan
            number = int(as_float) if math.isfinite(as_float) and as_float.is_integer() else None
    if number is None:
        raise ValueError(
            f"field '{name}' is {_show(value)}; expected a whole number from {low:,} to {high:,}"
        )
    if not low <= number <= high:
        # thousands separated: a long count is not read as a personal number when the line is masked
        raise ValueError(f"field '{name}' is {number:,}; expected a whole number from {low:,} to {high:,}")
    return number


def _opt_str(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def normalize(rec: dict) -> dict:
    """Validate one record and return it with clean types; unknown keys are an error."""
    unknown = set(rec) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {sorted(unknown)}; expected {list(FIELDS)}")
    for name, required in FIELDS.items():
        if required and (rec.get(name) is None or rec.get(name) == ""):
            raise ValueError(f"field '{name}' is missing or empty")
    if rec["source"] not in SOURCES:
        raise ValueError(f"field 'source' is {rec['source']!r}; expected one of {', '.join(SOURCES)}")
    text = rec["text"]
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"field 'text' is {_show(text)}; expected a non-empty string")
    rating = whole_number(rec.get("rating"), "rating", 1, 5)
    created_at = parse_time(rec["created_at"], "created_at")
    replied_at = parse_time(rec.get("replied_at"), "replied_at")
    likes = whole_number(rec.get("likes"), "likes", 0, MAX_LIKES) or 0
    raw = rec.get("raw")
    if raw is not None and not isinstance(raw, str):
        raw = json.dumps(raw, ensure_ascii=False, default=str)
    return {
        "source": rec["source"],
        "native_id": str(rec["native_id"]).strip(),
        "app_id": str(rec["app_id"]).strip(),
        "text": text,
        "created_at": created_at,
        "author": _opt_str(rec.get("author")),
        "title": _opt_str(rec.get("title")),
        "rating": rating,
        "app_version": _opt_str(rec.get("app_version")),
        "lang": _opt_str(rec.get("lang")),
        "country": _opt_str(rec.get("country")),
        "reply_text": _opt_str(rec.get("reply_text")),
        "replied_at": replied_at,
        "likes": likes,
        "url": _opt_str(rec.get("url")),
        "raw": raw,
    }
