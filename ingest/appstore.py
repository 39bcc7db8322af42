"""App Store reviews from Apple's public customer-reviews feed (JSON), one stream per country.

Not app-store-scraper: it pins requests==2.23.0, which drags Streamlit back to 1.27, and has not been
released since 2020. The feed gives at most 10 pages of 50 entries, newest first: only the latest ~500
reviews per country. A run that reaches page 10 without meeting already-stored reviews may have
missed some; ``ingest.collect`` records that as a gap (run often enough that it never happens).

``feed.entry`` is a list, a single object when the page has one entry, and absent on an empty page.
The feed is reported to answer empty for many apps: an empty first page for an app whose reviews a
run has read before is recorded as a warning (``ingest.collect``), shown by `suara status` and
`suara doctor`, not taken for a quiet day. A body that is not whole JSON is retried (truncated).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from ingest.http import Fetcher, RetryBody
from ingest.source import FormatChanged, Page, Stream, read_items
from suara.config import MPASPOR, AppConfig

SOURCE = "app_store"  # per-country watermarks, gaps and warnings are kept by ingest.collect
PAGE_SIZE = 50
MAX_PAGES = 10
FEED_URL = (
    "https://itunes.apple.com/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
)

_PAGE_IN_HREF = re.compile(r"/page=(\d+)/")


def _label(entry: dict, key: str) -> str:
    try:
        return entry[key]["label"]
    except (KeyError, TypeError):
        raise KeyError(key) from None


def _optional(entry: dict, key: str) -> str | None:
    value = entry.get(key)
    return value.get("label") if isinstance(value, dict) else None


def parse_entry(entry, app_id: str, country: str) -> dict:
    """One feed entry -> a record (not yet normalized); raises naming the missing field."""
    if not isinstance(entry, dict):
        raise TypeError("entry is not an object")
    raw = {k: v for k, v in entry.items() if k != "author"}  # the author is kept only as a salted hash
    author = entry.get("author")
    return {
        "source": SOURCE,
        "native_id": _label(entry, "id"),
        "app_id": app_id,
        "text": _label(entry, "content"),
        "title": _optional(entry, "title"),
        "created_at": _label(entry, "updated"),
        "author": _label(author, "name") if isinstance(author, dict) and "name" in author else None,
        "rating": _label(entry, "im:rating"),
        "app_version": _optional(entry, "im:version"),
        "country": country,
        "likes": _optional(entry, "im:voteSum") or 0,
        "raw": json.dumps(raw, ensure_ascii=False),
    }


def feed_entries(data) -> list:
    """``feed.entry`` as a list whatever its shape; app-metadata entries (old feeds put one first) dropped."""
    if not isinstance(data, dict) or not isinstance(data.get("feed"), dict):
        raise FormatChanged("App Store response has no 'feed' object")
    entries = data["feed"].get("entry", [])
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        raise FormatChanged("App Store feed.entry is neither a list nor an object")
    return [e for e in entries if not (isinstance(e, dict) and "im:name" in e and "im:rating" not in e)]


def last_page(data) -> int:
    """The feed's own ``rel=last`` link says how many pages it has (never more than 10)."""
    links = data.get("feed", {}).get("link", [])
    for link in links if isinstance(links, list) else [links]:
        attrs = link.get("attributes", {}) if isinstance(link, dict) else {}
        if attrs.get("rel") == "last":
            found = _PAGE_IN_HREF.search(attrs.get("href", ""))
            if found:
                return min(MAX_PAGES, int(found.group(1)))
    return MAX_PAGES


def decode(body: str | bytes, number: int = 1):
    """JSON text -> data; a body that is not whole JSON is retried (``RetryBody``)."""
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise RetryBody(f"App Store page {number} is not whole JSON ({exc.msg}; truncated)") from None


def parse_page(data, app_id: str = MPASPOR.key, country: str = "id", number: int = 1) -> Page:
    """A feed page (decoded, or its JSON text) -> a Page of normalized records. No I/O."""
    if isinstance(data, str | bytes):
        data = decode(data, number)
    entries = feed_entries(data)
    page = read_items(number, entries, lambda e: parse_entry(e, app_id, country), f"App Store ({country})")
    page.at_limit = number >= MAX_PAGES and bool(entries)
    return page


def streams(fetcher: Fetcher, app: AppConfig, state, *, full: bool, max_items: int | None) -> list[Stream]:
    """One stream per country in ``appstore_countries``; the feed always starts at the newest."""
    return [
        Stream(country, _pages(fetcher, app, country), expect_items=True)
        for country in app.appstore_countries
    ]


def _pages(fetcher: Fetcher, app: AppConfig, country: str) -> Iterator[Page]:
    last = MAX_PAGES
    for number in range(1, MAX_PAGES + 1):
        url = FEED_URL.format(country=country, page=number, app_id=app.appstore_id)
        data = fetcher.get(
            url,
            what=f"App Store reviews of {app.appstore_id} ({country}), page {number}",
            read=lambda r, n=number: decode(r.content, n),
            refused=lambda r: "check appstore_id and appstore_countries in suara.toml",
        )
        page = parse_page(data, app.key, country, number)
        if number == 1:
            last = last_page(data)
        yield page
        if page.fetched == 0 or number >= last:
            return
