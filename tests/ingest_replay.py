"""Replaying recorded responses through the real ingest code: fixtures, a mock transport, a no-wait policy."""

from __future__ import annotations

import dataclasses
import json
import random
import socket
import threading
from pathlib import Path

import httpx

from ingest import http
from suara.config import MPASPOR, Settings

FIXTURES = Path(__file__).parent / "fixtures"
_make_client = http.make_client  # the real factory, even while a CLI test monkeypatches it


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


class Replay:
    """An ``httpx.MockTransport`` handler answering from queues (one list, or one per host), in order.

    An answer is an ``httpx.Response``, a body string (HTTP 200), or an exception to raise (a timeout,
    a dropped connection). Every request is recorded; a request nobody expected fails the test.
    """

    def __init__(self, answers: list | dict[str, list]):
        self.queues = answers if isinstance(answers, dict) else {"*": answers}
        self.queues = {host: list(queue) for host, queue in self.queues.items()}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.queues.get(request.url.host, self.queues.get("*"))
        if not queue:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, str):
            return httpx.Response(200, text=answer)
        return answer

    def client(self, timeout: float = 5.0) -> httpx.Client:
        return _make_client(transport=httpx.MockTransport(self), timeout=timeout)

    def left(self) -> int:
        return sum(len(q) for q in self.queues.values())


class SlowServer:
    """A real HTTP server on a socket answering ``body`` one way per connection, in ``modes`` order:
    ``drip`` sends the headers, then one byte every 50 ms; ``cut`` sends half the promised body and
    closes; ``ok`` (also once the modes run out) the whole body."""

    def __init__(self, modes: list[str], body: str):
        self.modes, self.served, self.body = list(modes), [], body.encode()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                mode = self.modes.pop(0) if self.modes else "ok"
                self.served.append(mode)
                body = self.body
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
                try:
                    if mode == "drip":
                        for byte in body:
                            if self.stop.wait(0.05):
                                break
                            conn.sendall(bytes([byte]))
                    elif mode == "cut":
                        conn.sendall(body[: len(body) // 2])
                    else:
                        conn.sendall(body)
                except OSError:  # the client gave up: what the deadline is for
                    pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


class Sleeps(list):
    """Records the waits a RetryPolicy asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def no_wait(attempts: int = 3, now: float = 1_800_000_000.0, max_wait: float = 900.0) -> http.RetryPolicy:
    return http.RetryPolicy(
        attempts=attempts, sleep=Sleeps(), clock=lambda: now, rng=random.Random(7), max_wait=max_wait
    )


# -- Play: rebuild a batchexecute body around other review arrays, in the fixture's own envelope ----
def play_reviews(name: str) -> tuple[list, str | None]:
    """(review arrays, token) of a Play fixture, read the way the library reads them."""
    envelope = json.loads(fixture(name).split("\n\n", 1)[1])
    inner = json.loads(envelope[0][2])
    token = inner[-2][-1] if isinstance(inner[-2], list) else None
    return inner[0], token


def play_body(reviews: list, token: str | None = None) -> str:
    envelope = json.loads(fixture("play_reviews_page1.txt").split("\n\n", 1)[1])
    envelope[0][2] = json.dumps([reviews, [None, token] if token else None, None], ensure_ascii=False)
    return ")]}'\n\n" + json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def play_review(template: list, review_id: str, text: str | None = None, at: int | None = None) -> list:
    """A copy of a fixture review array with another id (and text, time)."""
    item = json.loads(json.dumps(template))
    item[0] = review_id
    if text is not None:
        item[4] = text
    if at is not None:
        item[5] = [at, 0]
    return item


# M-Paspor with Play read in one language (most tests replay one stream), and the stop rule without
# the re-read window (the fixtures' reviews are hours apart); the tests of either say so.
MPASPOR_ID = dataclasses.replace(MPASPOR, langs=("id",))
NO_REREAD = Settings(extra={"collect": {"reread_days": 0}})


def run_source(store, answers, source: str, app=None, settings=None, **kwargs):
    """Run the real collector for one source against replayed answers; returns (result, replay)."""
    from ingest.collect import collect

    replay = Replay(answers)
    policy = kwargs.pop("policy", None) or no_wait()
    result = collect(
        store,
        settings or NO_REREAD,
        app or MPASPOR_ID,
        source,
        client=replay.client(),
        policy=policy,
        **kwargs,
    )
    return result, replay


def query(store, sql: str, *params) -> list[tuple]:
    return store.con.execute(sql, list(params)).fetchall()
