"""google-play-scraper dumps: the review tables Indonesian researchers publish, loaded as Play reviews.

``google_play_scraper.reviews()`` yields dicts with the keys of its ``ElementSpecs.Review``: reviewId,
userName, userImage, content, score, thumbsUpCount, reviewCreatedVersion, at, replyContent, repliedAt,
appVersion. A dump is those rows saved through pandas, as CSV (``to_csv``, with or without its index
column), JSON Lines or a JSON array (``to_json(orient="records")``, times as epoch milliseconds or, with
``date_format="iso"``, ISO text). Many published dumps keep only a subset, often without reviewId.

Times: the library builds ``at`` and ``repliedAt`` with ``datetime.fromtimestamp``, the scraping
machine's naive local time, and pandas writes that wall clock as if it were UTC. So a naive time (text
or epoch milliseconds) is read as a wall clock in the zone given (``--tz``, default ``DEFAULT_TZ``:
where the researchers of M-Paspor reviews scrape); a time with an offset is taken as it is.

Ids: a row with reviewId keeps it, and gets its public link (``ingest.playstore.review_url``) when the
app's Play package is known. A row without one gets a derived id, a hash of the app, the wall-clock
time, the score and the text: the same dump imported twice, in any of its three forms, changes nothing.
The user's name becomes the store's salted author hash; the avatar URL is dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Jakarta"
COLUMNS = (
    "reviewId",
    "userName",
    "userImage",
    "content",
    "score",
    "thumbsUpCount",
    "reviewCreatedVersion",
    "at",
    "replyContent",
    "repliedAt",
    "appVersion",
)
PERSONAL = ("userName", "userImage")
_EPOCH = datetime(1970, 1, 1)
_MIN_EPOCH_MS = 10**11  # 1973 in milliseconds; a smaller number is not pandas' epoch milliseconds


def is_play_dump(header: list[str]) -> bool:
    """The header of a dump: Play's ``content`` and ``at`` and a score or an id, none of Suara's fields."""
    names = set(header)
    return {"content", "at"} <= names and bool({"score", "reviewId"} & names) and "native_id" not in names


def wall_clock(value, column: str, zone: ZoneInfo) -> datetime | None:
    """A dump's time -> aware datetime; naive text and epoch milliseconds are wall clocks in ``zone``."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        dt = None
    elif isinstance(value, int | float):
        ok = value == value and _MIN_EPOCH_MS <= abs(value) < 10**15
        dt = _EPOCH + timedelta(milliseconds=value) if ok else None
    elif isinstance(value, str):
        text = value.strip()
        try:
            dt = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            dt = None
    else:
        dt = None
    if dt is None:
        raise ValueError(
            f"column '{column}' is {str(value)[:40]!r}; expected a time such as 2024-05-01 08:30:00 "
            "or epoch milliseconds (pandas to_json)"
        )
    return dt.replace(tzinfo=zone) if dt.tzinfo is None else dt


def derived_id(app_id: str, at: datetime | None, score, text) -> str:
    """A stable id for a row without reviewId: the same review in CSV or JSON gives the same id."""
    clock = at.replace(tzinfo=None).isoformat() if at else ""
    key = "\x1f".join([app_id, clock, _score_key(score), str(text or "")])
    return "dump-" + hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _score_key(value) -> str:
    """The score as the id sees it: pandas writes a column with gaps as floats (5.0 in JSON, "5.0" in CSV)."""
    if value is None or value == "" or isinstance(value, bool):
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else str(value)


def converter(app_id: str, package: str | None, tz: str = DEFAULT_TZ) -> Callable[[dict], dict]:
    """A row converter for a google-play-scraper dump; ``package`` (the app's Play id) makes the links."""
    from ingest.playstore import review_url

    zone = ZoneInfo(tz)

    def convert(row: dict) -> dict:
        at = wall_clock(row.get("at"), "at", zone)
        review_id = row.get("reviewId")
        review_id = str(review_id).strip() if review_id not in (None, "") else None
        native_id = review_id or derived_id(app_id, at, row.get("score"), row.get("content"))
        version = row.get("reviewCreatedVersion") or row.get("appVersion")
        return {
            "source": "play_store",
            "native_id": native_id,
            "app_id": app_id,
            "text": row.get("content"),
            "created_at": at.astimezone(UTC) if at else None,
            "author": row.get("userName"),
            "rating": row.get("score"),
            "app_version": str(version) if version not in (None, "") else None,
            "reply_text": row.get("replyContent"),
            "replied_at": wall_clock(row.get("repliedAt"), "repliedAt", zone),
            "likes": row.get("thumbsUpCount"),
            "url": review_url(package, review_id) if review_id and package else None,
            "raw": {k: v for k, v in row.items() if k not in PERSONAL and v not in (None, "")},
        }

    return convert
