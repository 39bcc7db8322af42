"""The normalized feedback record every source yields and the store accepts.

A record is a plain dict with the keys of ``FIELDS``. ``normalize`` checks and converts one, so a
source, a file import and a test all go through the same rules; it raises ``ValueError`` with a
message naming the field, which callers prefix with the line or page it came from.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

SOURCES = ("play_store", "app_store", "twitter")

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


def parse_time(value) -> datetime | None:
    """ISO 8601 text (``Z`` or an offset) or a datetime -> naive UTC datetime; naive input is UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, int | float):
        dt = datetime.fromtimestamp(value, tz=UTC)
    else:
        text = str(value).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        dt = datetime.fromisoformat(text)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.replace(microsecond=0)


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
    rating = rec.get("rating")
    if rating is not None and rating != "":
        try:
            rating = int(float(rating))
        except (TypeError, ValueError):
            raise ValueError(f"field 'rating' is {rec['rating']!r}; expected a whole number 1-5") from None
        if not 1 <= rating <= 5:
            raise ValueError(f"field 'rating' is {rating}; expected 1-5")
    else:
        rating = None
    try:
        created_at = parse_time(rec["created_at"])
        replied_at = parse_time(rec.get("replied_at"))
    except (TypeError, ValueError):
        raise ValueError(
            "field 'created_at'/'replied_at' is not an ISO 8601 time (e.g. 2024-05-01T08:30:00Z)"
        ) from None
    likes = rec.get("likes")
    try:
        likes = int(float(likes)) if likes not in (None, "") else 0
    except (TypeError, ValueError):
        raise ValueError(f"field 'likes' is {rec['likes']!r}; expected a whole number") from None
    raw = rec.get("raw")
    if raw is not None and not isinstance(raw, str):
        raw = json.dumps(raw, ensure_ascii=False, default=str)
    return {
        "source": rec["source"],
        "native_id": str(rec["native_id"]).strip(),
        "app_id": str(rec["app_id"]).strip(),
        "text": str(rec["text"]),
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
