"""Google Play reviews: google-play-scraper's request format and field specs, sent through our own httpx.

Its ``reviews()`` is not used: it swallows every error mid-pagination (a 429 looks like "no more
reviews"), calls urllib with no timeout, and importing it turns TLS verification off for every urllib
call in the process. So the import below is followed by restoring the default, and requests go
through ``ingest.http`` (timeouts, retries, PlayGatewayError treated as a rate limit).

The wire format (batchexecute): the body starts with ``)]}'``, then a JSON envelope
``[["wrb.fr", "oCPfdb", "<inner JSON as a string>", null, null, <error status>, ...], ...]``; the
inner JSON is ``[[review, ...], ..., [null, "<continuation token>"], ...]`` and each review is an
array read by ``ElementSpecs.Review``'s paths.

Never an end by mistake: when Play cuts paging off it answers with a null payload *and* an error
status in the envelope (runs stopping at multiples of ~199 reviews, JoMingyu/google-play-scraper#209);
that, a PlayGatewayError and a body that is not whole JSON are retried like a gateway error and then
fail the source, so the saved token and the watermark stay where they were. Only a null payload
without an error status (or a page without a token) is the end of the feed.

Sessions: the load balancer sends a continuation token only to the backend that issued it, which it
finds by the ``NID`` cookie (facundoolano/google-play-scraper#676, fixed by a cookie jar in #677). The
httpx client keeps cookies within a run; a ``--full`` run resuming a saved token in a new process
first opens the app's page to get a session before it sends the token.

Languages: Play filters reviews by the language asked for (``hl``), so each of the app's ``langs`` is a
stream of its own (its own watermark and backfill token, scoped by the language); ``ingest.collect``
stores a review found in two languages once, with the first language that listed it.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime

from google_play_scraper.constants.element import ElementSpecs
from google_play_scraper.constants.google_play import Sort
from google_play_scraper.constants.regex import Regex
from google_play_scraper.constants.request import Formats

from ingest.http import Fetcher, RetryBody
from ingest.source import FormatChanged, Page, Stream, read_items
from suara.config import MPASPOR, AppConfig

# google_play_scraper.utils.request sets ssl._create_default_https_context = ssl._create_unverified_context
# on import; put the verifying default back so the rest of the process checks certificates again.
ssl._create_default_https_context = ssl.create_default_context

SOURCE = "play_store"
PAGE_SIZE = 200
GATEWAY_ERROR = "com.google.play.gateway.proto.PlayGatewayError"

# Where each field sits in a review array: the library's ElementSpecs.Review, read by its paths. Its
# extract_content (recursion, a blanket except, local-time conversion) would cost a third of the parse.
_PATHS = {name: tuple(spec.data_map) for name, spec in ElementSpecs.Review.items()}
_RAW = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _field(item: list, name: str):
    """The value at the field's path, or None where the array is shorter or holds null (as the library does)."""
    value = item
    try:
        for index in _PATHS[name]:
            value = value[index]
    except (IndexError, KeyError, TypeError):
        return None
    return value


def review_url(package: str, review_id: str) -> str:
    return f"https://play.google.com/store/apps/details?id={package}&reviewId={review_id}"


def _utc(seconds) -> datetime | None:
    """Play's epoch seconds -> UTC (the library would give local time)."""
    return datetime.fromtimestamp(seconds, tz=UTC) if isinstance(seconds, int | float) else None


def parse_review(
    item, app_id: str, package: str, lang: str | None = None, country: str | None = None
) -> dict:
    """One review array -> a record (not yet normalized); raises on a missing id, text or time."""
    if not isinstance(item, list):
        raise TypeError("review is not an array")
    review_id = _field(item, "reviewId")
    if not isinstance(review_id, str) or not review_id:
        raise KeyError("reviewId")
    created = _utc(_field(item, "at"))
    if created is None:
        raise KeyError("at")
    text = _field(item, "content")
    if not isinstance(text, str):
        raise KeyError("content")
    anonymized = list(item)
    anonymized[1] = None  # user name and avatar: the author is kept only as the store's salted hash
    return {
        "source": SOURCE,
        "native_id": review_id,
        "app_id": app_id,
        "text": text,
        "created_at": created,
        "author": _field(item, "userName"),
        "rating": _field(item, "score"),
        "app_version": _field(item, "appVersion"),
        "lang": lang,  # Play answers in the language asked for (hl)
        "country": country,
        "reply_text": _field(item, "replyContent"),
        "replied_at": _utc(_field(item, "repliedAt")),
        "likes": _field(item, "thumbsUpCount") or 0,
        "url": review_url(package, review_id),
        "raw": _RAW.encode(anonymized),
    }


def split_response(body: str) -> tuple[list, str | None]:
    """A batchexecute body -> (review arrays, continuation token or None on the last page).

    Raises ``RetryBody`` for an answer to retry (a PlayGatewayError, an error status in place of the
    reviews, a body that is not whole JSON) and ``FormatChanged`` for one no retry can fix.
    """
    if GATEWAY_ERROR in body:
        raise RetryBody("PlayGatewayError in the response body (Play's rate limit)")
    found = Regex.REVIEWS.findall(body)
    if not found:
        raise FormatChanged("Play response does not start with the )]}' prefix")
    try:
        envelope = json.loads(found[0])
        entry = envelope[0]
        if entry[0] != "wrb.fr":
            raise ValueError(entry[0])
        inner_text = entry[2]
    except json.JSONDecodeError as exc:
        raise RetryBody(f"Play response is not whole JSON ({exc.msg}; truncated)") from None
    except (IndexError, KeyError, TypeError, ValueError):
        raise FormatChanged("Play response has no wrb.fr envelope") from None
    if inner_text is None:
        error = error_status(entry)
        if error:  # Play cut paging off: not the end of the feed
            raise RetryBody(f"Play answered with an error ({error}) and no reviews")
        return [], None  # Play's answer when there is nothing (more) to return
    try:
        inner = json.loads(inner_text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise RetryBody(f"Play reviews payload is not whole JSON ({exc}; truncated)") from None
    if not isinstance(inner, list) or not inner:
        return [], None
    items = inner[0] if isinstance(inner[0], list) else []
    return items, _token(inner)


def error_status(entry: list) -> str | None:
    """The error status of a ``wrb.fr`` entry (index 5: ``[code, null, [[type URL, ...], ...]]``), named."""
    status = entry[5] if len(entry) > 5 else None
    if not status:
        return None
    names = []
    try:
        names = [d[0].rsplit(".", 1)[-1] for d in status[2] if isinstance(d, list) and isinstance(d[0], str)]
    except (IndexError, TypeError):
        pass
    code = status[0] if isinstance(status, list) and status else status
    return f"{', '.join(names) or 'status'} {code}".strip()


def _token(inner: list) -> str | None:
    """The continuation token: the library reads ``inner[-2][-1]``, the JavaScript scraper ``inner[1][1]``."""
    for path in ((-2, -1), (1, -1)):
        try:
            value = inner[path[0]][path[1]]
        except (IndexError, KeyError, TypeError):
            continue
        if isinstance(value, str) and value:
            return value
    return None


def parse_page(
    body: str,
    app_id: str = MPASPOR.key,
    package: str = MPASPOR.play_package,
    number: int = 1,
    lang: str | None = MPASPOR.langs[0],
    country: str | None = MPASPOR.country,
) -> Page:
    """A whole batchexecute response -> a Page of normalized records, ``cursor`` = the next token. No I/O."""
    return read_page(split_response(body), app_id, package, number, lang, country)


def read_page(
    split: tuple[list, str | None],
    app_id: str,
    package: str,
    number: int,
    lang: str | None,
    country: str | None,
) -> Page:
    items, token = split
    page = read_items(
        number, items, lambda item: parse_review(item, app_id, package, lang, country), "Play reviews"
    )
    page.cursor = token
    return page


def streams(fetcher: Fetcher, app: AppConfig, state, *, full: bool, max_items: int | None) -> list[Stream]:
    """One stream per language, newest first from the top; a ``full`` run resumes each language's
    backfill at its saved continuation token (``state(key, scope)`` reads the saved state)."""
    out = []
    for lang in app.langs:
        token = state("backfill_token", lang) if full else None
        pages = _pages(fetcher, app, lang, token, full, max_items)
        out.append(Stream(lang, pages, from_top=token is None, expect_items=token is None))
    return out


def _pages(
    fetcher: Fetcher, app: AppConfig, lang: str, token: str | None, full: bool, max_items: int | None
) -> Iterator[Page]:
    url = Formats.Reviews.build(lang=lang, country=app.country)
    if token is not None:  # a token saved by another process needs a session of its own first
        fetcher.get(
            Formats.Detail.build(app_id=app.play_package, lang=lang, country=app.country),
            what=f"Play page of {app.play_package} (a session for the saved backfill token)",
            refused=lambda r: "check play_package in suara.toml" if r.status_code == 404 else "",
        )
    fetched, number = 0, 0
    while True:
        number += 1
        count = PAGE_SIZE if max_items is None else max(1, min(PAGE_SIZE, max_items - fetched))
        body = Formats.Reviews.build_body(app.play_package, Sort.NEWEST.value, count, "null", "null", token)
        split = fetcher.post(
            url,
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
            what=f"Play reviews of {app.play_package} ({lang}), page {number}",
            read=lambda r: split_response(r.text),
            refused=lambda r: "check play_package in suara.toml" if r.status_code == 404 else "",
        )
        page = read_page(split, app.key, app.play_package, number, lang, app.country)
        if full:  # where a stopped backfill resumes; cleared when it reaches the end
            page.state["backfill_token"] = page.cursor
        fetched += page.fetched
        yield page
        if page.cursor is None or page.fetched == 0 or page.cursor == token:  # the end (or a loop)
            return
        token = page.cursor
