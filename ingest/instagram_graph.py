"""The Instagram Graph API over HTTP: GET requests through the project's Fetcher, paging, Meta's usage
headers and error bodies. What the answers mean for Suara (comments, replies, records) is
ingest/instagram.py; this module knows only how to ask and how Meta answers.

Rate limits: each response's ``X-App-Usage`` and ``X-Business-Use-Case-Usage`` JSON headers are read;
when a figure reaches ``USAGE_HIGH`` percent, the next request waits for
``estimated_time_to_regain_access`` (minutes), or ``USAGE_WAIT`` seconds, within the retry policy's
bound, else the run fails clearly and the next run catches up. Throttling errors (codes 4, 17, 32,
613, 80002) are waited out the same way. Meta's error body ``{"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}`` becomes one line: an expired or revoked token (code 190) and a
missing permission (10, 200-299) say what to do.

Every edge is paged with ``paging.cursors.after`` for as long as ``paging.next`` is given; cursors are
never saved (Meta: they do not stay valid).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from ingest.http import Fetcher, FetchError, RetryBody, SourceError
from suara.credentials import INSTAGRAM_TOKEN_ENV

log = logging.getLogger(__name__)

GRAPH_HOST = "https://graph.facebook.com"
API_VERSION = "v25.0"  # "The latest version is: v25.0" (IG Media reference); [instagram] api_version
PERMISSIONS = ("instagram_basic", "instagram_manage_comments", "pages_read_engagement")
USAGE_HIGH = 90  # percent of a rate limit at which the next request waits
USAGE_WAIT = 300.0  # seconds, when Meta says high usage but not when access returns
THROTTLE_CODES = frozenset({4, 17, 32, 613, 80002})


@dataclass(frozen=True)
class GraphError:
    """Meta's error body: ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``."""

    code: int | None
    subcode: int | None
    type: str
    message: str
    trace: str

    @classmethod
    def read(cls, response: httpx.Response) -> GraphError | None:
        try:
            body = response.json()
        except ValueError:
            return None
        err = body.get("error") if isinstance(body, dict) else None
        if not isinstance(err, dict):
            return None

        def number(key):
            value = err.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        message = " ".join(str(err.get("message") or "").split())[:200]
        return cls(
            number("code"),
            number("error_subcode"),
            str(err.get("type") or ""),
            message,
            str(err.get("fbtrace_id") or ""),
        )

    def describe(self) -> str:
        sub = f", subcode {self.subcode}" if self.subcode else ""
        trace = f", fbtrace_id {self.trace}" if self.trace else ""
        return f"{self.message or 'no message'} ({self.type or 'error'} {self.code}{sub}{trace})"


def usage(headers: httpx.Headers) -> tuple[int, float]:
    """(highest usage percentage, minutes until access returns) from Meta's usage headers; (0, 0) without."""
    high, regain = 0, 0.0

    def figures(entry: dict) -> None:
        nonlocal high, regain
        for key in ("call_count", "total_cputime", "total_time"):
            value = entry.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                high = max(high, int(value))
        wait = entry.get("estimated_time_to_regain_access")
        if isinstance(wait, int | float) and not isinstance(wait, bool):
            regain = max(regain, float(wait))

    for name in ("x-app-usage", "x-business-use-case-usage"):
        try:
            value = json.loads(headers.get(name) or "null")
        except ValueError:
            continue
        if name == "x-app-usage" and isinstance(value, dict):
            figures(value)
        elif isinstance(value, dict):  # {"<business id>": [{"type": "instagram", "call_count": ...}]}
            for entries in value.values():
                for entry in entries if isinstance(entries, list) else []:
                    if isinstance(entry, dict):
                        figures(entry)
    return high, regain


class Graph:
    """GET requests to the Graph API through the project's Fetcher (retries, deadlines), with Meta's
    usage headers and error bodies understood."""

    def __init__(self, fetcher: Fetcher, token: str, version: str = API_VERSION, app_key: str = ""):
        self.fetcher, self.version, self.app_key = fetcher, version, app_key
        self.auth = {"authorization": f"Bearer {token}"}
        self.error: GraphError | None = None
        self.pending_wait: tuple[float, str] | None = None  # (seconds, why) before the next request

    def get(self, path: str, what: str, **params) -> dict:
        attempts = self.fetcher.policy.attempts
        for attempt in range(1, attempts + 1):
            self._wait_if_asked(what)
            self.error = None
            try:
                response, data = self.fetcher.get(
                    f"{GRAPH_HOST}/{self.version}/{path}",
                    params=params,
                    headers=self.auth,
                    what=what,
                    read=lambda r: (r, _decode(r, what)),
                    refused=self._refused,
                )
            except FetchError:
                if self.error and self.error.code in THROTTLE_CODES and attempt < attempts:
                    self.fetcher.failures += 1  # _refused set the wait: retry after it
                    continue
                raise
            high, regain = usage(response.headers)
            if high >= USAGE_HIGH:
                self.pending_wait = (regain * 60 or USAGE_WAIT, f"Meta reports {high}% of a rate limit used")
            return data
        raise AssertionError("unreachable")

    def _wait_if_asked(self, what: str) -> None:
        if not self.pending_wait:
            return
        seconds, why = self.pending_wait
        self.pending_wait = None
        policy = self.fetcher.policy
        if seconds > policy.max_wait:
            raise FetchError(
                f"{what}: {why}; access returns in {seconds:.0f}s, more than the {policy.max_wait:.0f}s bound "
                "([collect] max_wait_seconds); the next run catches up"
            )
        log.info("%s: %s; waiting %.0fs", what, why, seconds)
        policy.sleep(seconds)

    def _refused(self, response: httpx.Response) -> str:
        err = self.error = GraphError.read(response)
        if err is None:
            return "the answer is not Meta's error body"
        if err.code in THROTTLE_CODES:
            _, regain = usage(response.headers)
            self.pending_wait = (regain * 60 or USAGE_WAIT, f"throttled: {err.describe()}")
            return f"Meta's rate limit is reached: {err.describe()}; the next run catches up"
        if err.code == 190 or (err.code == 102 and err.type == "OAuthException"):
            return (
                f"the Instagram access token has expired or was revoked: {err.describe()}; create a new "
                f"long-lived token and set {INSTAGRAM_TOKEN_ENV} (or the file in [instagram] token_file)"
            )
        if err.code == 10 or (err.code is not None and 200 <= err.code <= 299):
            return (
                f"the access token lacks a permission: {err.describe()}; grant {', '.join(PERMISSIONS)} "
                "to the Meta app (and the Page task to its user), then create the token again"
            )
        if err.code == 100:
            return (
                f"{err.describe()}; check instagram_user_id in [apps.{self.app_key or 'KEY'}] (the numeric id of "
                "the Instagram professional account, not its username)"
            )
        return err.describe()

    def edge(self, path: str, what: str, after: str | None = None, **params) -> Iterator[list]:
        """The pages of an edge (from the cursor ``after``): its ``data`` lists, following
        ``paging.cursors.after`` while ``paging.next`` is given."""
        for number in range(1, 100_000):
            data = self.get(path, f"{what}, page {number}", **params, **({"after": after} if after else {}))
            items = data.get("data")
            if not isinstance(items, list):
                raise format_changed(f"{what}: the answer has no 'data' list")
            yield items
            after = after_cursor(data)
            if not after:
                return

    def username(self, user_id: str, what: str) -> str:
        data = self.get(user_id, what, fields="username")
        name = data.get("username")
        if not isinstance(name, str) or not name:
            raise format_changed(f"{what}: the account has no 'username'")
        return name


def after_cursor(data: dict) -> str | None:
    """The next page's cursor, or None on the last page (no ``paging.next``)."""
    paging = data.get("paging") if isinstance(data.get("paging"), dict) else {}
    cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
    after = cursors.get("after")
    return after if paging.get("next") and isinstance(after, str) and after else None


def _decode(response: httpx.Response, what: str) -> dict:
    try:
        data = json.loads(response.content)
    except ValueError as exc:
        raise RetryBody(f"{what} is not whole JSON ({type(exc).__name__}; truncated)") from None
    if not isinstance(data, dict):
        raise format_changed(f"{what}: the answer is not a JSON object")
    return data


def format_changed(message: str) -> SourceError:
    from ingest.source import FormatChanged

    return FormatChanged(
        f"{message}; the Graph API's format has probably changed: update ingest/instagram.py"
    )
