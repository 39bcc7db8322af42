"""tweet-harvest's CSV (github.com/helmisatria/tweet-harvest): the crawler most Indonesian researchers use.

Its layout since 2.5.3 (src/constants.ts ``FILTERED_FIELDS``, each row's keys sorted, written by
PapaParse with every cell quoted and CRLF line ends): conversation_id_str, created_at, favorite_count,
full_text, id_str, image_url, in_reply_to_screen_name, lang, location, quote_count, reply_count,
retweet_count, tweet_url, user_id_str, username. Up to 2.6.1 ``created_at`` is Twitter's classic
``Thu Nov 02 10:05:40 +0000 2023``; from 2.7.0 it is ISO 8601 (dayjs ``toISOString()``:
``2025-12-16T03:05:40.000Z``). Both are read; the column order and extra columns do not matter.

The username travels in ``tweet_url``: the record's link is rebuilt from the tweet id
(``ingest.twitter.tweet_url``) and the personal columns stay out of ``raw``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

COLUMNS = (
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
NEEDED = ("id_str", "full_text", "created_at")  # what makes a record; the rest is optional
# Columns that identify people: kept out of ``raw`` (the author survives only as the store's salted hash).
PERSONAL = ("username", "user_id_str", "in_reply_to_screen_name", "location", "tweet_url")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}


def twitter_time(value: str | None) -> datetime:
    """tweet-harvest's ``created_at`` -> aware datetime, in either form (locale-independent).

    ``Thu Nov 02 10:05:40 +0000 2023`` (up to 2.6.1) or ``2025-12-16T03:05:40.000Z`` (2.7.0 on); an ISO
    time without a zone is refused, since tweet-harvest always wrote UTC with its ``Z``.
    """
    text = value.strip() if isinstance(value, str) else ""
    try:
        if text[:4].isdigit():
            iso = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
            if iso.tzinfo is None:
                raise ValueError
            return iso
        _weekday, month, day, clock, offset, year = text.split()
        hour, minute, second = (int(x) for x in clock.split(":"))
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
        return datetime(int(year), _MONTHS[month], int(day), hour, minute, second, tzinfo=zone)
    except (KeyError, IndexError, ValueError):
        raise ValueError(
            f"field 'created_at' is {value!r}; expected tweet-harvest's 'Thu Nov 02 10:05:40 +0000 2023' "
            "or '2025-12-16T03:05:40.000Z'"
        ) from None


def is_tweet_harvest(header: list[str]) -> bool:
    return set(NEEDED) <= set(header) and "native_id" not in header


def missing_columns(header: list[str]) -> list[str]:
    return [c for c in NEEDED if c not in header]


def converter(app_id: str) -> Callable[[dict], dict]:
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
            "raw": {k: v for k, v in row.items() if k not in PERSONAL},
        }

    return convert
