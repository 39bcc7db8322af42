"""Benchmark inputs: the demo generator's corpora, cached on disk, and replayed store pages in wire format.

The corpus is ``suara.demo`` at a larger ``n`` (no second generator), written once per size, seed and
generator version under bench/.corpus/ (git-ignored) and reused by later runs. Items that must be *new*
to a database built from that corpus (the 1% for incremental classification, the nightly's 1,000)
come from the same generator with another seed and a tag in their native ids, so they never collide.

Replayed pages are built in the services' real formats, the same ones tests/fixtures/ holds: Google
Play's batchexecute body (``)]}'`` prefix, a ``wrb.fr`` envelope around the reviews as a JSON string)
and Apple's customer-reviews feed JSON. ``Replay`` serves them through an ``httpx.MockTransport``, so
the nightly job runs the real ``ingest`` code with the network taken out.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

import httpx

from suara import demo
from suara.config import MPASPOR

CORPUS_DIR = Path(__file__).resolve().parent / ".corpus"
NEW_DAY = demo.END + timedelta(days=1)  # the nightly's new items arrive the day after the corpus ends
PLAY_PAGE, APPSTORE_PAGE = 200, 50  # what each service returns per page
PACIFIC = timezone(timedelta(hours=-7))  # Apple's feed stamps reviews in California time


def generator_tag() -> str:
    """A short hash of the generator and its phrase banks: a changed generator means a new cache file."""
    h = hashlib.sha256()
    for path in (Path(demo.__file__), demo.PHRASES):
        h.update(path.read_bytes())
    return h.hexdigest()[:8]


def corpus_path(size: int, seed: int, directory: Path = CORPUS_DIR) -> Path:
    return directory / f"feedback-{size}-seed{seed}-{generator_tag()}.jsonl"


def ensure_corpus(size: int, seed: int, directory: Path = CORPUS_DIR) -> tuple[Path, float | None]:
    """The cached corpus file of ``size`` rows, written first if missing; (path, seconds spent writing)."""
    import time

    path = corpus_path(size, seed, directory)
    if path.exists():
        return path, None
    partial = path.with_name(path.name + ".partial")
    started = time.perf_counter()
    demo.write_jsonl(partial, size, seed)
    partial.replace(path)
    return path, time.perf_counter() - started


def read_corpus(path: Path, limit: int | None = None) -> Iterator[dict]:
    """Records of a corpus file, in file order (oldest first)."""
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                return
            yield json.loads(line)


def fresh(n: int, seed: int, tag: str, start: date = demo.START, end: date = demo.END) -> list[dict]:
    """``n`` generated records whose native ids carry ``tag``: new to any database built from a corpus."""
    out = []
    for rec in demo.generate(n, seed, start, end):
        rec["native_id"] = f"{tag}{rec['native_id']}"
        if rec["source"] == "play_store":
            rec["url"] = demo.PLAY_URL + rec["native_id"]
        elif rec["source"] == "twitter":
            rec["url"] = rec["url"].rsplit("/", 1)[0] + "/" + rec["native_id"]
        out.append(rec)
    return out


def chunked(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def by_source(records: list[dict], source: str, n: int | None = None) -> list[dict]:
    picked = [r for r in records if r["source"] == source]
    return picked if n is None else picked[:n]


def _epoch(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


# -- Google Play: batchexecute ------------------------------------------------------------------------
def play_review(rec: dict) -> list:
    """One record as Play's review array (the positions google-play-scraper's ElementSpecs read)."""
    reply = None
    if rec.get("reply_text"):
        reply = [None, rec["reply_text"], [_epoch(rec["replied_at"]), 0] if rec.get("replied_at") else None]
    avatar = [None, 2, [96, 96], [None, None, "https://play-lh.googleusercontent.com/a-/ALV-bench"]]
    return [
        rec["native_id"], [rec.get("author") or "Pengguna Google", avatar], rec["rating"], None, rec["text"],
        [_epoch(rec["created_at"]), 512000000], rec.get("likes") or 0, reply, None, None,
        rec.get("app_version"), None, None, None, None, None,
    ]  # fmt: skip


def play_body(records: list[dict], token: str | None) -> str:
    """A whole batchexecute response: ``)]}'``, the envelope, the reviews and the continuation token."""
    inner = [[play_review(r) for r in records], [None, token] if token else None, None]
    envelope = [
        ["wrb.fr", "oCPfdb", json.dumps(inner, ensure_ascii=False), None, None, None, "generic"],
        ["di", 61],
        ["af.httprm", 60, "-2286187474545217421", 7],
    ]
    return ")]}'\n\n" + json.dumps(envelope, ensure_ascii=False)


def play_pages(records: list[dict]) -> list[str]:
    """Bodies of consecutive pages (newest first as given), chained by tokens ``bench-page-<n>``."""
    chunks = chunked(records, PLAY_PAGE)
    return [
        play_body(c, f"bench-page-{i + 2}" if i + 1 < len(chunks) else None) for i, c in enumerate(chunks)
    ]


# -- App Store: the customer-reviews feed ---------------------------------------------------------------
def appstore_entry(rec: dict, app_store_id: str = MPASPOR.appstore_id) -> dict:
    updated = datetime.fromisoformat(rec["created_at"].replace("Z", "+00:00")).astimezone(PACIFIC)
    votes = str(rec.get("likes") or 0)
    return {
        "author": {"uri": {"label": "https://itunes.apple.com/id/reviews/id900781"},
                   "name": {"label": rec.get("author") or "pengguna"}, "label": ""},
        "updated": {"label": updated.isoformat()},
        "im:rating": {"label": str(rec["rating"])},
        "im:version": {"label": rec.get("app_version") or "1.0.0"},
        "id": {"label": rec["native_id"]},
        "title": {"label": rec.get("title") or ""},
        "content": {"label": rec["text"], "attributes": {"type": "text"}},
        "link": {"attributes": {"rel": "related",
                                "href": f"https://itunes.apple.com/id/review?id={app_store_id}&type=Purple%20Software"}},
        "im:voteSum": {"label": votes},
        "im:contentType": {"attributes": {"term": "Application", "label": "Aplikasi"}},
        "im:voteCount": {"label": votes},
    }  # fmt: skip


def appstore_body(
    records: list[dict], number: int, last: int, country: str = "id", app_store_id: str = MPASPOR.appstore_id
) -> str:
    """One feed page; ``feed.entry`` is a list, a single object for one entry, absent when empty."""
    base = f"https://itunes.apple.com/{country}/rss/customerreviews"
    link = [
        {"attributes": {"rel": "alternate", "type": "text/html",
                        "href": f"https://apps.apple.com/WebObjects/MZStore.woa/wa/viewGrouping?cc={country}&id=1000"}},
        {"attributes": {"rel": "self", "href": f"{base}/page={number}/id={app_store_id}/sortby=mostrecent/json"}},
        {"attributes": {"rel": "last", "href": f"{base}/page={last}/id={app_store_id}/sortby=mostrecent/xml"}},
    ]  # fmt: skip
    feed = {
        "author": {"name": {"label": "iTunes Store"}, "uri": {"label": "http://www.apple.com/id/itunes/"}},
        "updated": {"label": "2026-11-02T00:00:00-07:00"},
        "title": {"label": "iTunes Store: Ulasan Pelanggan"},
        "link": link,
        "id": {"label": f"{base}/page={number}/id={app_store_id}/sortby=mostrecent/json"},
    }
    entries = [appstore_entry(r, app_store_id) for r in records]
    if len(entries) == 1:
        feed["entry"] = entries[0]
    elif entries:
        feed["entry"] = entries
    return json.dumps({"feed": feed}, ensure_ascii=False)


def appstore_pages(records: list[dict]) -> list[str]:
    return [appstore_body(c, i + 1, 10) for i, c in enumerate(chunked(records, APPSTORE_PAGE))]


# -- serving them ------------------------------------------------------------------------------------
_TOKEN = re.compile(r'\\"(bench-page-\d+)\\"')
_FEED_PAGE = re.compile(r"/page=(\d+)/")


class Replay:
    """An ``httpx.MockTransport`` handler serving prepared pages, as the services would answer them.

    Play requests carry the continuation token in the form body (pages are served for ``hl=id``); App
    Store requests name the page in the URL. A page past the prepared ones is empty (the end of the
    feed). Counts what it served.
    """

    def __init__(self, play: list[str], appstore: list[str]):
        self.play = {None: play[0]} if play else {}
        self.play.update({f"bench-page-{i + 1}": body for i, body in enumerate(play) if i})
        self.appstore = appstore
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        url = str(request.url)
        if "batchexecute" in url:
            found = _TOKEN.search(unquote(request.content.decode()))
            # the corpus is Indonesian: Play's other languages (suara.config's langs) have no reviews
            body = (
                self.play.get(found.group(1) if found else None)
                if request.url.params.get("hl") == "id"
                else None
            )
            if body is None:  # Play's answer when there is nothing more
                body = ")]}'\n\n" + json.dumps([["wrb.fr", "oCPfdb", None, None, None, None, "generic"]])
            return httpx.Response(200, text=body)
        if "itunes.apple.com" in url:
            number = int(_FEED_PAGE.search(url).group(1))
            body = (
                self.appstore[number - 1] if number <= len(self.appstore) else appstore_body([], number, 10)
            )
            return httpx.Response(200, text=body, headers={"content-type": "application/json"})
        return httpx.Response(404, text="not replayed")

    def client(self) -> httpx.Client:
        from ingest import http

        return http.make_client(transport=httpx.MockTransport(self))


def nightly_replay(stored: list[dict], new: list[dict]) -> Replay:
    """Pages of the ``new`` records (newest first), then one page of ``stored`` ones per source, which
    is where the incremental collector stops, exactly as it would after a night of new reviews."""
    newest_first = sorted(new, key=lambda r: r["created_at"], reverse=True)
    old_first = sorted(stored, key=lambda r: r["created_at"], reverse=True)
    play = by_source(newest_first, "play_store") + by_source(old_first, "play_store", PLAY_PAGE)
    apple = by_source(newest_first, "app_store") + by_source(old_first, "app_store", APPSTORE_PAGE)
    return Replay(play_pages(play), appstore_pages(apple))


def new_items(n: int, seed: int, play_share: float = 0.8) -> list[dict]:
    """``n`` new Play and App Store reviews dated the day after the corpus ends."""
    n_play = round(n * play_share)
    pool = fresh(n * 3, seed, "night-", NEW_DAY, NEW_DAY)
    play, apple = by_source(pool, "play_store", n_play), by_source(pool, "app_store", n - n_play)
    while len(play) < n_play or len(apple) < n - n_play:  # tiny n: draw more
        seed += 1
        pool = fresh(n * 10, seed, f"night{seed}-", NEW_DAY, NEW_DAY)
        play += by_source(pool, "play_store", n_play - len(play))
        apple += by_source(pool, "app_store", n - n_play - len(apple))
    return play + apple


def now_after_new() -> datetime:
    """The nightly's ``as_of``: the morning after the new items."""
    return datetime.combine(NEW_DAY + timedelta(days=1), datetime.min.time(), UTC).replace(tzinfo=None)
