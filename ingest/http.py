"""HTTP for every source: one client factory and one retry rule, so no request can hang or give up silently.

Every request has timeouts: per network read (``timeout``) and a total deadline per attempt
(``RetryPolicy.deadline``), so a server dripping a byte every few seconds cannot hold an attempt for
minutes. A 408, a 429, a 5xx, a dropped, stalled or too slow connection, or a 2xx body the caller's
``read`` rejects with ``RetryBody`` (a truncated body, Play's PlayGatewayError or its error entry in
place of reviews) is retried with exponential backoff and jitter, waiting what the server asks for
(``Retry-After``, or X's ``x-rate-limit-reset`` plus a second) when it says so and the wait is within
a bound (a wait of exactly the bound is still waited for). When the retries run out, another 4xx
arrives, or the caller's ``give_up`` recognises a retryable status as final (X's monthly usage cap),
``FetchError`` says which URL failed and why. The URL in messages and logs has no query string, and
request headers (the X bearer token) are never logged.

``sleep``, ``clock`` and ``rng`` are fields of ``RetryPolicy`` so tests replay failures without waiting.
Tests and the CLI tests swap the transport by passing ``client=`` to ``ingest.collect.collect`` or by
monkeypatching ``make_client`` here (the CLI calls it through this module).
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

log = logging.getLogger(__name__)

USER_AGENT = "Suara/0.1 (complaint analytics for Indonesian public-service apps)"
TIMEOUT_SECONDS = 30.0
DEADLINE_SECONDS = 120.0
RETRY_STATUS = (408, 429)  # and every 5xx
CONNECT_TIMEOUT_SECONDS = 10.0
RESET_MARGIN = 1.0  # seconds waited past x-rate-limit-reset, which is given in whole seconds


class SourceError(Exception):
    """A source cannot go on; the message says what failed and what to do. Fails that source's run only."""


class FetchError(SourceError):
    """A request failed for good: retries ran out, or the service refused it (4xx)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class RetryBody(Exception):
    """Raised by a ``read`` callback: this 2xx body is a transient failure; retry it. The message says why."""


@dataclass
class RetryPolicy:
    """How hard to try: ``attempts`` in all, waits doubling from ``base`` up to ``cap`` seconds."""

    attempts: int = 5
    base: float = 1.0
    cap: float = 60.0
    max_wait: float = 900.0  # a server asking for a longer wait fails the run instead of stalling the night
    deadline: float = DEADLINE_SECONDS  # the longest one attempt may take, however steadily bytes arrive
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, retry: int) -> float:
        """Wait before retry number ``retry`` (1-based): exponential, with jitter so clients spread out."""
        return min(self.cap, self.base * 2 ** (retry - 1)) * self.rng.uniform(0.5, 1.0)


def make_client(
    transport: httpx.BaseTransport | None = None,
    timeout: float = TIMEOUT_SECONDS,
    headers: dict | None = None,
) -> httpx.Client:
    """An httpx client with Suara's timeouts and user agent; ``transport`` replays recorded responses in tests."""
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_SECONDS)),
        headers={"user-agent": USER_AGENT, **(headers or {})},
        follow_redirects=True,
    )


def public_url(url: httpx.URL | str) -> str:
    """The URL without its query string: safe to show and log."""
    return str(httpx.URL(str(url)).copy_with(query=None))


def server_wait(response: httpx.Response, clock: Callable[[], float]) -> float | None:
    """Seconds the server asks us to wait: ``Retry-After`` (seconds or a date) or ``x-rate-limit-reset``.

    What the server asked for, compared with the bound as it is; ``pause`` adds the reset's margin.
    """
    value = response.headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - clock())
        except (TypeError, ValueError):
            return None
    reset = response.headers.get("x-rate-limit-reset")
    if reset and reset.strip().isdigit() and (response.status_code == 429 or rate_limit_exhausted(response)):
        return max(0.0, int(reset) - clock())
    return None


def pause(response: httpx.Response, wait: float) -> float:
    """How long to sleep for a server-asked ``wait``: a reset time gets ``RESET_MARGIN`` on top."""
    return wait if response.headers.get("retry-after") else wait + RESET_MARGIN


class _Deadline(httpx.SyncByteStream):
    """A response body that raises ``ReadTimeout`` once the attempt's deadline has passed."""

    def __init__(self, stream: httpx.SyncByteStream, deadline: float, limit: float):
        self.stream, self.deadline, self.limit = stream, deadline, limit

    def __iter__(self):
        for chunk in self.stream:
            if time.monotonic() > self.deadline:
                raise httpx.ReadTimeout(f"the response took longer than the {self.limit:g}s deadline")
            yield chunk

    def close(self) -> None:
        self.stream.close()


def rate_limit_exhausted(response: httpx.Response) -> bool:
    return response.headers.get("x-rate-limit-remaining", "").strip() == "0"


class Fetcher:
    """Sends requests with the retry rule and counts the failed attempts (the run's ``errors``)."""

    def __init__(self, client: httpx.Client, policy: RetryPolicy | None = None):
        self.client = client
        self.policy = policy or RetryPolicy()
        self.failures = 0

    def get(self, url: str, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.request("POST", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str = "request",
        read: Callable[[httpx.Response], object] | None = None,
        refused: Callable[[httpx.Response], str] | None = None,
        give_up: Callable[[httpx.Response], str] | None = None,
        **kwargs,
    ):
        """One request, retried as the module says. ``what`` names it in messages ("Play reviews page 3").

        ``read(response)`` turns a 2xx response into what the caller wants (returned instead of the
        response) and raises ``RetryBody`` for a body to retry; ``refused(response)`` turns a
        non-retryable 4xx into the user's next step (e.g. "check X_BEARER_TOKEN"); ``give_up(response)``
        returns a reason when a retryable status will not get better by waiting (then no retry).
        """
        policy = self.policy
        shown = public_url(url)
        last = ""
        for attempt in range(1, policy.attempts + 1):
            wait: float | None = None
            try:
                response = self._send(method, url, **kwargs)
            except httpx.TransportError as exc:  # connect errors, timeouts, dropped connections, deadline
                last = f"{type(exc).__name__}{': ' + str(exc) if str(exc) else ''}"
            else:
                status = response.status_code
                if status in RETRY_STATUS or status >= 500:
                    final = give_up(response) if give_up else ""
                    if final:
                        self.failures += 1
                        raise FetchError(f"{what}: {method} {shown} answered HTTP {status}: {final}", status)
                    last = f"HTTP {status}"
                    wait = server_wait(response, policy.clock)
                elif 400 <= status < 500:
                    hint = refused(response) if refused else ""
                    raise FetchError(
                        f"{what}: {method} {shown} was refused with HTTP {status}{'; ' + hint if hint else ''}",
                        status=status,
                    )
                elif read is None:
                    return response
                else:
                    try:
                        return read(response)
                    except RetryBody as exc:
                        last = str(exc)
            self.failures += 1
            if attempt == policy.attempts:
                break
            if wait is not None and wait > policy.max_wait:
                raise FetchError(
                    f"{what}: {shown} asks to wait {wait:.0f}s ({last}), more than the {policy.max_wait:.0f}s "
                    "bound; try again later"
                )
            delay = pause(response, wait) if wait is not None else policy.backoff(attempt)
            log.warning(
                "%s: %s %s failed (%s); retry %d/%d in %.1fs",
                what,
                method,
                shown,
                last,
                attempt,
                policy.attempts - 1,
                delay,
            )
            policy.sleep(delay)
        raise FetchError(f"{what}: {method} {shown} failed after {policy.attempts} attempts ({last})")

    def _send(self, method: str, url: str, **kwargs) -> httpx.Response:
        """Send and read the whole body within the policy's deadline (``ReadTimeout`` past it)."""
        limit = self.policy.deadline
        request = self.client.build_request(method, url, **kwargs)
        response = self.client.send(request, stream=True)
        try:
            response.stream = _Deadline(response.stream, time.monotonic() + limit, limit)
            response.read()
        finally:
            response.close()
        return response

    def wait_for_reset(self, response: httpx.Response, what: str) -> None:
        """The quota is spent (``x-rate-limit-remaining: 0``): wait for its reset, or fail if that is too far."""
        wait = server_wait(response, self.policy.clock)
        if wait is None:
            return
        if wait > self.policy.max_wait:
            raise FetchError(
                f"{what}: rate limit spent; it resets in {wait:.0f}s, more than the {self.policy.max_wait:.0f}s "
                "bound; the next run catches up"
            )
        log.info("%s: rate limit spent, waiting %.0fs for its reset", what, wait)
        self.policy.sleep(pause(response, wait))
