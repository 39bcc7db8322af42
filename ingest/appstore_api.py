"""App Store reviews of an app the team owns, through the App Store Connect API.

``GET /v1/apps/{id}/customerReviews?include=response&sort=-createdDate&limit=200`` lists every review
of every territory (the public feed, ingest/appstore.py, only the latest ~500 per country), newest
first, paged by the cursor in ``links.next``. A review's id is the one ``POST
/v1/customerReviewResponses`` takes, and its published response (``included``, type
``customerReviewResponses``: ``responseBody``, ``lastModifiedDate``, ``state``) is stored as the reply;
a response still ``PENDING_PUBLISH`` is not yet what the citizen reads and is left out.

The ids differ from the public feed's numeric ones (``00000028-b08c-...``), so the same review read by
both sources is stored twice: for an app the team owns, collect it with ``appstore-api`` instead of
``appstore``. Credentials: reply/clients.py's JWT (ES256) from ``SUARA_ASC_KEY_ID``,
``SUARA_ASC_ISSUER_ID``, ``SUARA_ASC_PRIVATE_KEY_FILE`` or ``[reply.appstore]``. The stream is scoped
``api``; the incremental rule stops it once it reaches stored reviews past the re-read window.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from ingest.owner_api import Reader
from ingest.source import FormatChanged, Page, Stream, read_items
from reply.clients import AppStoreClient
from suara.config import AppConfig, Settings

SOURCE = "app_store"
SCOPE = "api"
MAX_PAGES = 500  # 100,000 reviews; more means the cursor loops

# ISO 3166 alpha-3 territories -> the alpha-2 country codes the public feed's records carry; others are
# stored lowercased as they come
_ALPHA2 = {
    "IDN": "id", "MYS": "my", "SGP": "sg", "BRN": "bn", "THA": "th", "PHL": "ph", "VNM": "vn",
    "AUS": "au", "NZL": "nz", "JPN": "jp", "KOR": "kr", "HKG": "hk", "TWN": "tw", "CHN": "cn",
    "SAU": "sa", "ARE": "ae", "QAT": "qa", "NLD": "nl", "DEU": "de", "GBR": "gb", "FRA": "fr",
    "USA": "us", "CAN": "ca",
}  # fmt: skip


def reader(settings: Settings, app: AppConfig, client: AppStoreClient | None = None) -> Reader:
    extra = settings.extra if isinstance(settings.extra, dict) else {}
    return Reader(lambda: AppStoreClient.from_settings(extra), client)


def _country(territory) -> str | None:
    if not isinstance(territory, str) or not territory:
        return None
    return _ALPHA2.get(territory.upper(), territory.lower())


def published_responses(data: dict) -> dict[str, dict]:
    """``included`` customerReviewResponses by id, those already published only."""
    found = {}
    for item in data.get("included") or []:
        if isinstance(item, dict) and item.get("type") == "customerReviewResponses":
            attrs = item.get("attributes") or {}
            if attrs.get("state", "PUBLISHED") == "PUBLISHED" and attrs.get("responseBody"):
                found[item.get("id")] = attrs
    return found


def parse_review(item, app_id: str, responses: dict[str, dict]) -> dict:
    """One customerReviews resource -> a record (not yet normalized); raises naming the missing field."""
    if not isinstance(item, dict):
        raise TypeError("review is not an object")
    attrs = item["attributes"]
    rel = ((item.get("relationships") or {}).get("response") or {}).get("data") or {}
    response = responses.get(rel.get("id")) if isinstance(rel, dict) else None
    return {
        "source": SOURCE,
        "native_id": item["id"],
        "app_id": app_id,
        "text": attrs["body"],
        "title": attrs.get("title"),
        "created_at": attrs["createdDate"],
        "author": attrs.get("reviewerNickname"),
        "rating": attrs.get("rating"),
        "country": _country(attrs.get("territory")),
        "reply_text": response.get("responseBody") if response else None,
        "replied_at": response.get("lastModifiedDate") if response else None,
        "raw": json.dumps(
            {k: v for k, v in attrs.items() if k != "reviewerNickname"}, ensure_ascii=False
        ),  # the author is kept only as a salted hash
    }


def parse_page(data, app_id: str, number: int = 1) -> Page:
    """A CustomerReviewsResponse -> a Page (``cursor``: ``links.next``, None on the last). No I/O."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise FormatChanged("App Store Connect customerReviews answer has no 'data' list")
    responses = published_responses(data)
    page = read_items(number, data["data"], lambda r: parse_review(r, app_id, responses), "App Store Connect")
    nxt = (data.get("links") or {}).get("next")
    page.cursor = nxt if isinstance(nxt, str) and nxt else None
    return page


def streams(fetcher: Reader, app: AppConfig, state, *, full: bool, max_items: int | None) -> list[Stream]:
    """One stream over every territory, newest first."""
    return [Stream(SCOPE, _pages(fetcher, app))]


def _pages(api: Reader, app: AppConfig) -> Iterator[Page]:
    url = None
    for number in range(1, MAX_PAGES + 1):
        data = api.call("list_reviews", app.appstore_id, next_url=url)
        page = parse_page(data, app.key, number)
        yield page
        if page.cursor is None or page.cursor == url:
            return
        url = page.cursor
