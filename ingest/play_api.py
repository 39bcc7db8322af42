"""Google Play reviews of an app the team owns, through the Play Developer API (androidpublisher v3).

``reviews.list`` returns the reviews with text of roughly the last week only, newest first, paged by
``maxResults`` and ``tokenPagination.nextPageToken``; the public scraper (ingest/playstore.py) stays
the source for history. What this source adds: the ``reviewId`` is the one ``reviews.reply`` takes
(the same id the scraper reads, so both land on one stored row, ``play_store:<reviewId>``), and the
developer's reply comes with its exact time. Credentials: the service account of reply/clients.py
(``SUARA_PLAY_SERVICE_ACCOUNT`` or ``[reply.play] service_account_file``); quota about 200 GET/hour.

The Review resource: ``{"reviewId", "authorName", "comments": [{"userComment": {...}},
{"developerComment": {"text", "lastModified"}}]}``; a userComment holds ``text`` (title and body
joined by a tab where the user gave a title), ``lastModified`` (``{"seconds", "nanos"}``),
``starRating``, ``reviewerLanguage``, ``appVersionName``, ``thumbsUpCount``. Its stream is scoped
``api`` so its watermark is its own; no continuation token is saved (the API's week is read whole).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from ingest.owner_api import Reader
from ingest.playstore import review_url
from ingest.source import FormatChanged, Page, Stream, read_items
from reply.clients import PlayClient
from suara.config import AppConfig, Settings

SOURCE = "play_store"
SCOPE = "api"
PAGE_SIZE = 100
MAX_PAGES = 100  # a week of a very busy app; more means the token loops


def reader(settings: Settings, app: AppConfig, client: PlayClient | None = None) -> Reader:
    extra = settings.extra if isinstance(settings.extra, dict) else {}
    return Reader(lambda: PlayClient.build(app.play_package, settings_extra=extra), client)


def _time(ts) -> datetime | None:
    if not isinstance(ts, dict) or "seconds" not in ts:
        return None
    return datetime.fromtimestamp(int(ts["seconds"]), UTC).replace(tzinfo=None)


def _lang(code) -> str | None:
    """``id_ID`` / ``in`` (Java's old code for Indonesian) / ``en_US`` -> ``id`` / ``en``."""
    if not isinstance(code, str) or not code:
        return None
    lang = code.replace("-", "_").split("_")[0].lower()
    return "id" if lang == "in" else lang


def parse_review(item, app_id: str, package: str) -> dict:
    """One Review resource -> a record (not yet normalized); raises naming the missing field."""
    if not isinstance(item, dict):
        raise TypeError("review is not an object")
    comments = item.get("comments") or []
    user = next((c["userComment"] for c in comments if isinstance(c, dict) and "userComment" in c), None)
    if user is None:
        raise KeyError("userComment")
    dev = next(
        (c["developerComment"] for c in comments if isinstance(c, dict) and "developerComment" in c), None
    )
    title, _, body = user["text"].rpartition("\t")
    created = _time(user.get("lastModified"))
    if created is None:
        raise KeyError("lastModified")
    raw = {k: v for k, v in item.items() if k != "authorName"}  # the author is kept only as a salted hash
    return {
        "source": SOURCE,
        "native_id": item["reviewId"],
        "app_id": app_id,
        "text": body.strip(),
        "title": title.strip() or None,
        "created_at": created,
        "author": item.get("authorName"),
        "rating": user.get("starRating"),
        "app_version": user.get("appVersionName"),
        "lang": _lang(user.get("reviewerLanguage")),
        "reply_text": dev.get("text") if dev else None,
        "replied_at": _time(dev.get("lastModified")) if dev else None,
        "likes": user.get("thumbsUpCount") or 0,
        "url": review_url(package, item["reviewId"]),
        "raw": json.dumps(raw, ensure_ascii=False),
    }


def parse_page(data, app_id: str, package: str, number: int = 1) -> Page:
    """A ReviewsListResponse -> a Page (``cursor``: the next page's token, None on the last). No I/O."""
    if not isinstance(data, dict):
        raise FormatChanged("Google Play API reviews.list answer is not an object")
    reviews = data.get("reviews", [])
    if not isinstance(reviews, list):
        raise FormatChanged("Google Play API reviews.list 'reviews' is not a list")
    page = read_items(number, reviews, lambda r: parse_review(r, app_id, package), "Google Play API")
    token = (data.get("tokenPagination") or {}).get("nextPageToken")
    page.cursor = token if isinstance(token, str) and token else None
    return page


def streams(fetcher: Reader, app: AppConfig, state, *, full: bool, max_items: int | None) -> list[Stream]:
    """One stream: the API's week, newest first (``full`` changes nothing: there is no older history)."""
    return [Stream(SCOPE, _pages(fetcher, app))]


def _pages(api: Reader, app: AppConfig) -> Iterator[Page]:
    token = None
    for number in range(1, MAX_PAGES + 1):
        data = api.call("list_reviews", max_results=PAGE_SIZE, token=token)
        page = parse_page(data, app.key, app.play_package, number)
        yield page
        if page.cursor is None or page.cursor == token:
            return
        token = page.cursor
