"""Tweets about an app from the X API v2 recent-search endpoint (the last 7 days), newest first.

The bearer token comes from ``X_BEARER_TOKEN`` only: it goes into the Authorization header of each
request and nowhere else (not the client, the logs, the store or an error message). Pagination follows
``meta.next_token``; a completed run saves ``meta.newest_id`` as ``since_id`` so the next run asks only
for newer tweets. When ``x-rate-limit-remaining`` hits 0 the run waits for ``x-rate-limit-reset`` if it
is within the retry policy's bound, else it fails with a clear message and the next run catches up.
A 429 whose body says ``UsageCapExceeded`` is the project's monthly cap, not the 15-minute window
(xdevplatform/xdk#25 shows the body): no wait helps, so the run fails at once with the API's words.
A body that is not whole JSON is retried (truncated).

For tweets crawled with tweet-harvest, see ``suara import --format tweet-harvest`` (ingest/files.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx

from ingest.http import Fetcher, FetchError, RetryBody, SourceError, rate_limit_exhausted
from ingest.source import FormatChanged, Page, Stream, read_items
from ingest.tweet_links import tweet_url  # noqa: F401 (re-exported: ingest.twitter.tweet_url)
from suara.config import MPASPOR, AppConfig
from suara.credentials import TOKEN_ENV, CredentialError, credential

SOURCE = "twitter"
SEARCH_URL = "https://api.x.com/2/tweets/search/recent"
PAGE_SIZE = 100  # the endpoint accepts 10..100
TWEET_FIELDS = "created_at,lang,public_metrics,author_id,conversation_id,in_reply_to_user_id,note_tweet"


class MissingToken(SourceError):
    pass


def bearer_token() -> str:
    """The X token from the environment, checked before any request (suara/credentials.py): a
    malformed one fails the source with a line that names the fault, never the value."""
    try:
        token = credential(TOKEN_ENV)
    except CredentialError as exc:
        raise MissingToken(str(exc)) from None
    if not token:
        raise MissingToken(
            f"{TOKEN_ENV} is not set: create a bearer token in the X developer portal and export {TOKEN_ENV}, "
            "or load a tweet-harvest CSV with `suara import --format tweet-harvest FILE.csv`"
        )
    return token


def lang_code(lang: str | None) -> str | None:
    """X tags Indonesian as ``in`` (the old ISO code); Suara uses ``id`` like the stores."""
    return "id" if lang == "in" else lang


def parse_tweet(tweet, app_id: str) -> dict:
    """One tweet object -> a record (not yet normalized); long tweets use their full ``note_tweet`` text."""
    if not isinstance(tweet, dict):
        raise TypeError("tweet is not an object")
    note = tweet.get("note_tweet")
    text = note.get("text") if isinstance(note, dict) and note.get("text") else tweet["text"]
    metrics = tweet.get("public_metrics") or {}
    raw = {k: v for k, v in tweet.items() if k not in ("author_id", "in_reply_to_user_id")}
    return {
        "source": SOURCE,
        "native_id": tweet["id"],
        "app_id": app_id,
        "text": text,
        "created_at": tweet["created_at"],
        "author": tweet.get("author_id"),
        "lang": lang_code(tweet.get("lang")),
        "likes": metrics.get("like_count", 0),
        "url": tweet_url(tweet["id"]),
        "raw": json.dumps(raw, ensure_ascii=False),
    }


def decode(body: str | bytes, number: int = 1):
    """JSON text -> data; a body that is not whole JSON is retried (``RetryBody``)."""
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise RetryBody(f"X search page {number} is not whole JSON ({exc.msg}; truncated)") from None


def parse_page(data, app_id: str = MPASPOR.key, number: int = 1) -> Page:
    """A recent-search response (decoded, or its JSON text) -> a Page; ``cursor`` = ``meta.next_token``."""
    if isinstance(data, str | bytes):
        data = decode(data, number)
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
        raise FormatChanged(f"X search page {number} has no 'meta' object")
    tweets = data.get("data") or []
    if not isinstance(tweets, list):
        raise FormatChanged(f"X search page {number}: 'data' is not a list")
    page = read_items(number, tweets, lambda t: parse_tweet(t, app_id), "X search")
    page.cursor = data["meta"].get("next_token")
    return page


def streams(fetcher: Fetcher, app: AppConfig, state, *, full: bool, max_items: int | None) -> list[Stream]:
    """One stream; a normal run asks only for tweets newer than the saved ``since_id``."""
    token = bearer_token()
    since_id = None if full else state("since_id")
    return [Stream("", _pages(fetcher, app, token, since_id, max_items))]


def _refused(response: httpx.Response) -> str:
    if response.status_code == 401:
        return f"X rejected the bearer token: check {TOKEN_ENV}"
    if response.status_code == 403:
        return "this X API access level may not include recent search (see the X developer portal)"
    try:
        body = response.json()
        return str(body.get("detail") or body.get("title") or "")[:200]
    except (ValueError, AttributeError):
        return ""


def usage_capped(response: httpx.Response) -> str:
    """A 429 for the monthly usage cap (``"title": "UsageCapExceeded"``): the API's own words, else ""."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict) or body.get("title") != "UsageCapExceeded":
        return ""
    detail = str(body.get("detail") or "Usage cap exceeded")[:200]
    plan = f" ({body['product_name']})" if isinstance(body.get("product_name"), str) else ""
    return (
        f"{detail}{plan}: the X project's {str(body.get('period') or 'monthly').lower()} post cap is spent; "
        "waiting does not help: collect tweets again after the cap resets, or raise it in the X developer portal"
    )


def _pages(
    fetcher: Fetcher, app: AppConfig, token: str, since_id: str | None, max_items: int | None
) -> Iterator[Page]:
    auth = {"authorization": f"Bearer {token}"}
    next_token, fetched, number = None, 0, 0
    while True:
        number += 1
        size = PAGE_SIZE if max_items is None else max(10, min(PAGE_SIZE, max_items - fetched))
        params = {"query": app.twitter_query, "max_results": size, "tweet.fields": TWEET_FIELDS}
        if since_id:
            params["since_id"] = since_id
        if next_token:
            params["next_token"] = next_token
        what = f"X recent search for {app.key}, page {number}"
        try:
            response, data = fetcher.get(
                SEARCH_URL,
                params=params,
                headers=auth,
                what=what,
                read=lambda r, n=number: (r, decode(r.content, n)),
                refused=_refused,
                give_up=usage_capped,
            )
        except FetchError as exc:
            if exc.status == 400 and since_id and number == 1:  # since_id older than the 7-day window
                since_id, number = None, 0
                continue
            raise
        page = parse_page(data, app.key, number)
        newest = data["meta"].get("newest_id") if number == 1 else None
        if newest:
            page.final_state["since_id"] = newest
        fetched += page.fetched
        yield page
        if not page.cursor:
            return
        next_token = page.cursor
        if rate_limit_exhausted(response):
            fetcher.wait_for_reset(response, what)
