"""Google Play: recorded batchexecute responses replayed through the real collect path into DuckDB."""

from __future__ import annotations

import functools
import json
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from urllib.parse import unquote

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from ingest import http, incremental, playstore
from ingest.collect import collect
from suara.cli import app as cli
from suara.config import MPASPOR, Settings
from tests.ingest_replay import (
    MPASPOR_ID,
    NO_REREAD,
    Replay,
    SlowServer,
    fixture,
    no_wait,
    play_body,
    play_review,
    play_reviews,
    query,
    run_source,
)

PAGE1, PAGE2 = fixture("play_reviews_page1.txt"), fixture("play_reviews_page2.txt")
TOKEN = play_reviews("play_reviews_page1.txt")[1]
SETTINGS = Settings()


run_play = functools.partial(run_source, source="play")


def form(request: httpx.Request) -> str:
    return unquote(request.content.decode())


# -- the wire format ------------------------------------------------------------------------------
def test_the_fixture_is_read_by_google_play_scrapers_own_reviews(monkeypatch):
    """The library's reviews() follows our fixture's token and reads the same reviews as our parser."""
    import google_play_scraper.features.reviews as lib

    bodies = iter([PAGE1, PAGE2])
    monkeypatch.setattr(lib, "post", lambda *a, **k: next(bodies))
    theirs, token = lib.reviews(MPASPOR.play_package, lang="id", country="id", count=100)
    ours = playstore.parse_page(PAGE1).records + playstore.parse_page(PAGE2).records
    assert [r["reviewId"] for r in theirs] == [r["native_id"] for r in ours]
    assert [r["content"] for r in theirs] == [r["text"] for r in ours]
    assert token.token is None  # it reached the last page through the continuation token


def test_parse_page_reads_every_field_in_utc_and_keeps_no_name_in_raw():
    page = playstore.parse_page(PAGE1)
    assert page.cursor == TOKEN and page.skipped == [] and len(page.records) == 5
    replied = page.records[2]
    assert replied["created_at"].isoformat() == "2026-03-09T21:40:00"
    assert replied["reply_text"] == "Terima kasih atas ulasannya"
    assert replied["replied_at"].isoformat() == "2026-03-10T01:00:00"
    assert replied["rating"] == 5 and replied["app_version"] == "7.3.10" and replied["lang"] == "id"
    assert replied["url"].endswith("id=id.go.imigrasi.paspor_online&reviewId=gp:AOqpTOE1aa0003")
    assert replied["author"] == "Sari W" and "Sari W" not in replied["raw"]
    assert json.loads(replied["raw"])[4] == replied["text"]
    assert page.records[4]["app_version"] is None  # a review without version info


def test_the_last_page_has_no_token():
    assert playstore.parse_page(PAGE2).cursor is None


# -- pagination and the incremental rule ------------------------------------------------------------
def test_pagination_to_the_end_stores_each_review_once(store):
    result, replay = run_play(store, [PAGE1, PAGE2])
    assert result.status == "success", result.summary()
    assert (result.fetched, result.new, result.skipped, result.errors) == (9, 8, 0, 0)
    assert query(
        store, "SELECT count(*) FROM feedback WHERE source = 'play_store' AND app_id = 'mpaspor'"
    ) == [(8,)]
    first, second = replay.requests
    assert first.url.params["hl"] == "id" and first.url.params["gl"] == "id"
    assert '"id.go.imigrasi.paspor_online' in form(first) and TOKEN not in form(first)
    assert TOKEN in form(second)  # the continuation token of page 1 asks for page 2
    run = query(store, "SELECT job, source, app_id, status, fetched, new, skipped, errors FROM runs")
    assert run == [("collect", "play_store", "mpaspor", "success", 9, 8, 0, 0)]
    assert store.get_state("play_store", "mpaspor", "watermark:id") == "2026-03-10T09:15:00"


def test_a_second_run_stops_at_the_first_page_already_stored(store):
    run_play(store, [PAGE1, PAGE2])
    result, replay = run_play(store, [PAGE1])  # page 2 is never asked for
    assert result.status == "success" and len(replay.requests) == 1
    assert (result.new, result.updated) == (0, 0)
    assert "reached stored items on page 1" in result.summary()


def test_new_reviews_on_top_are_stored_then_the_run_stops_at_the_watermark(store):
    run_play(store, [PAGE1, PAGE2])
    old, _ = play_reviews("play_reviews_page1.txt")
    now = 1773200000  # after every stored review
    fresh = [play_review(old[0], f"gp:new{i}", f"ulasan baru {i}", now - i) for i in range(3)]
    top = play_body(fresh + old[:2], token="TOKEN_OLDER")
    result, replay = run_play(store, [top, play_body(old[2:], token="TOKEN_EVEN_OLDER")])
    assert result.status == "success" and len(replay.requests) == 2
    assert (result.new, result.updated) == (3, 0)
    assert "reached stored items on page 2" in result.summary()
    assert store.get_state("play_store", "mpaspor", "watermark:id") == "2026-03-11T03:33:20"


def test_a_run_whose_pages_are_all_newer_than_the_watermark_reads_to_the_end(store):
    run_play(store, [PAGE2])
    template = play_reviews("play_reviews_page1.txt")[0][0]
    fresh = [play_review(template, f"gp:f{i}", f"baru {i}", 1773400000 - i) for i in range(3)]
    result, _ = run_play(store, [play_body(fresh, None)])
    assert result.status == "success" and result.new == 3, result.summary()
    assert store.get_state("play_store", "mpaspor", "watermark:id") == "2026-03-13T11:06:40"


def test_a_failed_run_leaves_no_hole_the_next_run_walks_past_its_pages(store):
    run_play(store, [PAGE1, PAGE2])
    template = play_reviews("play_reviews_page1.txt")[0][0]
    t = 1773300000
    n1 = [play_review(template, f"gp:n{i}", f"baru {i}", t - i) for i in range(3)]
    n2 = [play_review(template, f"gp:n{i}", f"baru {i}", t - i) for i in range(3, 5)]
    failed, _ = run_play(store, [play_body(n1, "T2")] + [httpx.Response(500)] * 3)
    assert failed.status == "failed" and failed.new == 3
    # Next night: one more review on top; page 2 (n1) is all stored but newer than the watermark, so go on.
    n0 = [play_review(template, "gp:n-top", "paling baru", t + 10)]
    old = play_reviews("play_reviews_page1.txt")[0]
    result, replay = run_play(
        store,
        [play_body(n0, "T1"), play_body(n1, "T2"), play_body(n2 + old[:1], "T3"), play_body(old[1:], "T4")],
    )
    assert result.status == "success", result.summary()
    assert len(replay.requests) == 4 and replay.left() == 0
    assert query(store, "SELECT count(*) FROM feedback WHERE native_id LIKE 'gp:n%'") == [(6,)]


def test_duplicates_across_and_within_pages_are_stored_once(store):
    old = play_reviews("play_reviews_page1.txt")[0]
    result, _ = run_play(store, [play_body(old[:3] + old[:1], "T"), play_body(old[2:], None)])
    assert result.status == "success"
    assert (result.fetched, result.new) == (7, 5)
    assert query(store, "SELECT count(*), count(DISTINCT native_id) FROM feedback") == [(5, 5)]


def test_an_edited_review_is_updated_and_its_old_text_kept(store):
    run_play(store, [PAGE1, PAGE2])
    old = play_reviews("play_reviews_page1.txt")[0]
    edited = play_review(old[0], old[0][0], "Sudah bisa bayar setelah update, terima kasih", 1773250000)
    edited[2] = 4
    result, _ = run_play(store, [play_body([edited] + old[1:], "T"), PAGE2])
    assert (result.new, result.updated) == (0, 1)
    assert query(store, "SELECT text, rating FROM feedback WHERE native_id = ?", old[0][0]) == [
        ("Sudah bisa bayar setelah update, terima kasih", 4)
    ]
    assert query(store, "SELECT text, rating FROM feedback_revisions") == [(old[0][4], 1)]


def test_max_bounds_the_request_and_the_run(store):
    result, replay = run_play(store, [PAGE1], max_items=3)
    assert result.status == "success" and len(replay.requests) == 1
    assert "[3]" in form(replay.requests[0])  # the page asked for 3 reviews
    assert "stopped at --max 3" in result.summary()


DETAILS = httpx.Response(200, text="<html>M-Paspor</html>", headers={"set-cookie": "NID=511=sesi; Path=/"})


def test_a_full_run_saves_its_token_and_the_next_full_run_resumes_there_with_a_session(store):
    first, replay = run_play(store, [PAGE1], full=True, max_items=5)
    assert [r.method for r in replay.requests] == ["POST"]  # no saved token: no session to open first
    assert store.get_state("play_store", "mpaspor", "backfill_token:id") == TOKEN
    second, replay = run_play(store, [DETAILS, PAGE2], full=True)  # a new process: a new client
    opened, resumed = replay.requests
    assert opened.method == "GET" and opened.url.path == "/store/apps/details"
    assert opened.url.params["id"] == MPASPOR.play_package and opened.url.params["hl"] == "id"
    assert TOKEN in form(resumed) and "NID=511=sesi" in resumed.headers["cookie"]  # resumed, in the session
    assert second.status == "success" and second.new == 3
    assert store.get_state("play_store", "mpaspor", "backfill_token:id") is None  # the backfill is done


def test_batches_of_whole_pages_each_commit_with_their_token(store, monkeypatch):
    monkeypatch.setattr(incremental, "BATCH_RECORDS", 5)  # one page per batch
    tokens = []
    real_set = store.set_state
    monkeypatch.setattr(store, "set_state", lambda *a: (tokens.append((a[2], a[3])), real_set(*a)))
    old = play_reviews("play_reviews_page1.txt")[0]
    result, _ = run_play(
        store, [play_body(old, "T1"), play_body(old[:2], "T2")] + [httpx.Response(500)] * 3, full=True
    )
    assert result.status == "failed" and result.new == 5
    assert tokens == [
        ("backfill_token:id", "T1"),
        ("backfill_token:id", "T2"),
    ]  # each after its page is stored
    assert store.get_state("play_store", "mpaspor", "backfill_token:id") == "T2"  # resume at page 3


def test_an_interrupted_run_is_marked_failed_and_saves_no_token_for_pages_not_stored(store):
    class Interrupt(Replay):
        def __call__(self, request):
            if len(self.requests) == 1:
                raise KeyboardInterrupt
            return super().__call__(request)

    replay = Interrupt([PAGE1])
    with pytest.raises(KeyboardInterrupt):
        collect(store, SETTINGS, MPASPOR, "play", full=True, client=replay.client(), policy=no_wait())
    assert query(store, "SELECT status, message FROM runs") == [("failed", "interrupted")]
    assert query(store, "SELECT count(*) FROM feedback") == [(0,)]  # page 1 was still pending: not stored...
    assert store.get_state("play_store", "mpaspor", "backfill_token:id") is None  # ...so no token skips it


def test_dry_run_fetches_and_counts_but_writes_nothing(store):
    result, _ = run_play(store, [PAGE1, PAGE2], dry_run=True)
    assert result.status == "dry-run" and result.new == 8
    assert "would be 8 new" in result.summary()
    assert query(
        store,
        "SELECT (SELECT count(*) FROM feedback), (SELECT count(*) FROM runs), "
        "(SELECT count(*) FROM source_state)",
    ) == [(0, 0, 0)]


# -- unreadable records -------------------------------------------------------------------------------
def test_a_review_with_a_missing_field_is_skipped_and_counted(store):
    old = play_reviews("play_reviews_page1.txt")[0]
    broken = play_review(old[1], "gp:broken")
    broken[4] = None  # no text
    result, _ = run_play(store, [play_body(old[:1] + [broken] + old[2:], None)])
    assert result.status == "success"
    assert (result.new, result.skipped) == (4, 1)
    assert result.skip_reasons == {"missing field 'content'": 1}
    assert query(store, "SELECT skipped, message FROM runs")[0][0] == 1
    assert "missing field 'content'" in query(store, "SELECT message FROM runs")[0][0]


def test_a_page_mostly_unreadable_fails_loudly_and_stores_none_of_it(store):
    later = play_reviews("play_reviews_page2.txt")[0]
    mangled = [item[:3] for item in later[:3]] + later[3:]  # three review arrays lost their text and time
    result, _ = run_play(store, [PAGE1, play_body(mangled, None)])
    assert result.status == "failed"
    assert (
        "page 2: 3 of 4 items unreadable" in result.message
        and "format has probably changed" in result.message
    )
    assert query(store, "SELECT count(*) FROM feedback") == [(5,)]  # page 1 kept
    assert query(store, "SELECT count(*) FROM feedback WHERE native_id = ?", later[3][0]) == [(0,)]
    assert query(store, "SELECT status, skipped FROM runs") == [("failed", 3)]


def test_a_truncated_body_is_retried_then_fails_the_run_and_keeps_the_pages_before(store):
    cut = PAGE2[: len(PAGE2) // 2]
    result, _ = run_play(store, [PAGE1, cut, PAGE2])
    assert result.status == "success" and result.new == 8 and result.errors == 1
    store.con.execute("DELETE FROM feedback")
    result, _ = run_play(store, [PAGE1, cut, cut, cut])
    assert result.status == "failed" and "not whole JSON" in result.message
    assert "failed after 3 attempts" in result.message
    assert query(store, "SELECT count(*) FROM feedback") == [(5,)]
    assert query(store, "SELECT status, new FROM runs ORDER BY run_id") == [("success", 8), ("failed", 5)]


def test_a_body_without_the_prefix_is_a_format_change(store):
    result, _ = run_play(store, ["<html>Sorry, something went wrong</html>"])
    assert result.status == "failed" and ")]}'" in result.message


# -- retries, rate limits, timeouts ----------------------------------------------------------------
def test_429_then_success_waits_as_asked(store):
    policy = no_wait()
    result, _ = run_play(
        store, [httpx.Response(429, headers={"retry-after": "7"}), PAGE1, PAGE2], policy=policy
    )
    assert result.status == "success" and result.new == 8 and result.errors == 1
    assert policy.sleep == [7.0]


def test_play_gateway_error_body_is_a_rate_limit_and_retried(store):
    policy = no_wait()
    result, _ = run_play(store, [fixture("play_gateway_error.txt"), PAGE1, PAGE2], policy=policy)
    assert result.status == "success" and result.new == 8 and result.errors == 1
    assert len(policy.sleep) == 1 and 0.5 <= policy.sleep[0] <= 1.0  # backoff with jitter


def test_500_until_retries_run_out_fails_the_run_and_keeps_earlier_batches(store):
    policy = no_wait(attempts=4)
    result, _ = run_play(store, [PAGE1] + [httpx.Response(500)] * 4, policy=policy)
    assert result.status == "failed"
    assert "page 2" in result.message and "failed after 4 attempts (HTTP 500)" in result.message
    assert result.errors == 4
    # exponential backoff with jitter: base 1s doubling, each wait in [0.5, 1] of its step
    assert len(policy.sleep) == 3
    assert all(0.5 * step <= s <= step for s, step in zip(policy.sleep, (1, 2, 4), strict=True))
    assert query(store, "SELECT count(*) FROM feedback") == [(5,)]
    assert query(store, "SELECT status, fetched, new, errors FROM runs") == [("failed", 5, 5, 4)]
    assert store.get_state("play_store", "mpaspor", "watermark:id") is None  # the run did not complete


def test_a_retry_after_beyond_the_bound_fails_at_once(store):
    policy = no_wait(max_wait=60)
    result, replay = run_play(store, [httpx.Response(429, headers={"retry-after": "3600"})], policy=policy)
    assert result.status == "failed" and "asks to wait 3600s" in result.message
    assert policy.sleep == [] and len(replay.requests) == 1


def test_a_404_is_not_retried_and_says_what_to_check(store):
    result, replay = run_play(store, [httpx.Response(404)])
    assert result.status == "failed" and len(replay.requests) == 1
    assert "HTTP 404" in result.message and "play_package" in result.message


def test_a_read_timeout_is_retried_then_fails(store):
    timeout = httpx.ReadTimeout("timed out")
    result, replay = run_play(store, [timeout, timeout, timeout])
    assert result.status == "failed" and "ReadTimeout" in result.message and len(replay.requests) == 3
    result, _ = run_play(store, [httpx.ConnectError("connection refused"), PAGE1, PAGE2])
    assert result.status == "success" and result.new == 8


@pytest.fixture
def silent_server():
    """A real TCP server that accepts connections and never answers: a stalled connection."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_stalled_connection_times_out_instead_of_hanging(store, silent_server, monkeypatch):
    monkeypatch.setattr(
        playstore.Formats.Reviews, "URL_FORMAT", silent_server + "/batchexecute?hl={lang}&gl={country}"
    )
    client = http.make_client(timeout=0.2)
    started = time.monotonic()
    result = collect(store, SETTINGS, MPASPOR, "play", client=client, policy=no_wait(attempts=2))
    assert time.monotonic() - started < 5
    assert result.status == "failed" and "ReadTimeout" in result.message and result.errors == 2
    assert query(store, "SELECT status FROM runs") == [("failed",)]


@pytest.fixture
def slow_server(monkeypatch):
    servers = []

    def start(modes: list[str]) -> SlowServer:
        server = SlowServer(modes, PAGE2)
        servers.append(server)
        monkeypatch.setattr(
            playstore.Formats.Reviews, "URL_FORMAT", server.url + "/batchexecute?hl={lang}&gl={country}"
        )
        return server

    yield start
    for server in servers:
        server.close()


def test_a_server_dripping_bytes_is_cut_at_the_deadline_and_retried(store, slow_server):
    server = slow_server(["drip", "ok"])
    policy = no_wait(attempts=2)
    policy.deadline = 0.5  # each byte arrives well within the read timeout; the whole body would take minutes
    started = time.monotonic()
    result = collect(store, NO_REREAD, MPASPOR_ID, "play", client=http.make_client(timeout=2), policy=policy)
    assert time.monotonic() - started < 5
    assert server.served == ["drip", "ok"]
    assert result.status == "success" and result.errors == 1 and result.new == 4, result.summary()


def test_a_server_dripping_every_attempt_fails_the_run_naming_the_deadline(store, slow_server):
    slow_server(["drip", "drip"])
    policy = no_wait(attempts=2)
    policy.deadline = 0.3
    result = collect(store, NO_REREAD, MPASPOR_ID, "play", client=http.make_client(timeout=2), policy=policy)
    assert result.status == "failed" and result.errors == 2
    assert "ReadTimeout: the response took longer than the 0.3s deadline" in result.message


def test_a_body_cut_off_by_the_server_is_retried(store, slow_server):
    server = slow_server(["cut", "ok"])
    result = collect(
        store, NO_REREAD, MPASPOR_ID, "play", client=http.make_client(timeout=2), policy=no_wait()
    )
    assert server.served == ["cut", "ok"] and result.status == "success" and result.errors == 1


# -- TLS -------------------------------------------------------------------------------------------
TLS_CHECK = """
import ssl, sys
{imports}
ctx = ssl._create_default_https_context()
print(ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname)
"""


@pytest.mark.parametrize(
    ("imports", "verified"),
    [
        ("import google_play_scraper", "False"),  # the library alone turns verification off...
        ("import ingest.playstore", "True"),  # ...importing it through Suara turns it back on
        ("import google_play_scraper, ingest.playstore", "True"),
    ],
)
def test_tls_verification_is_restored_after_importing_the_library(imports, verified):
    code = TLS_CHECK.format(imports=imports)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == verified


# -- through the CLI ---------------------------------------------------------------------------------
def test_suara_collect_through_the_cli_with_a_replayed_transport(tmp_path, monkeypatch):
    """`suara collect` on a temp DuckDB file; the transport is swapped by patching ingest.http.make_client."""
    replay = Replay({"play.google.com": [PAGE1, PAGE2, play_body([])]})  # "id", then "en" (empty)
    monkeypatch.setattr(http, "make_client", lambda **kw: replay.client())
    db = tmp_path / "cli.duckdb"
    result = CliRunner().invoke(cli, ["collect", "--source", "play", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "play_store/mpaspor: 9 fetched, 8 new, 0 updated, 0 skipped, 0 errors [success]" in result.output
    assert [r.url.params["hl"] for r in replay.requests] == ["id", "id", "en"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM feedback").fetchone() == (8,)
        assert con.execute("SELECT job, source, status FROM runs").fetchall() == [
            ("collect", "play_store", "success")
        ]
    finally:
        con.close()


def test_cli_dry_run_on_a_missing_database_creates_nothing(tmp_path, monkeypatch):
    replay = Replay([PAGE1, PAGE2])
    monkeypatch.setattr(http, "make_client", lambda **kw: replay.client())
    db = tmp_path / "none.duckdb"
    result = CliRunner().invoke(
        cli, ["collect", "--source", "play", "--dry-run", "--max", "5", "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    assert "would be 5 new" in result.output and not db.exists()


def test_cli_exits_1_when_a_source_fails(tmp_path, monkeypatch):
    replay = Replay([httpx.Response(404)])
    monkeypatch.setattr(http, "make_client", lambda **kw: replay.client())
    result = CliRunner().invoke(cli, ["collect", "--source", "play", "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 1
    assert "1 of 1 source runs failed (play_store/mpaspor)" in result.output


# -- the example configuration ---------------------------------------------------------------------
def test_the_example_config_watches_mpaspor_and_every_commented_key_is_valid(tmp_path):
    """suara.toml.example stays in sync with suara/config.py, ingest/collect.py, suara/nightly_plan.py and
    suara/training.py."""
    import os
    import re
    from pathlib import Path

    from ingest.collect import collect_options
    from suara.config import load_settings
    from suara.nightly_plan import options
    from suara.training import DEFAULT, train_config

    example = Path(__file__).resolve().parent.parent / "suara.toml.example"
    assert load_settings(example).apps == (MPASPOR,)
    # a commented table header or key, or a line of a commented multi-line array
    uncommented = re.sub(r"^# (\[[\w.]+\].*|\w+ = .*|\s+\{.*|\])$", r"\1", example.read_text(), flags=re.M)
    everything = tmp_path / "suara.toml"
    everything.write_text(uncommented)
    settings = load_settings(everything)
    assert [a.key for a in settings.apps] == ["mpaspor", "mobilejkn", "signal"]
    assert collect_options(settings).timeout == 30 and options(settings)["keep_backups"] == 7
    assert collect_options(settings).reread_days == 14 and collect_options(settings).policy.deadline == 120
    from ingest.instagram import options as instagram_options

    assert instagram_options(settings) == (Path("/etc/suara/instagram-token"), "v25.0")
    assert settings.apps[0].instagram_user_id == "17841400000000001"
    train = train_config(settings)  # the documented [train] is the built-in default, from the repo root
    here, root = (lambda p: os.path.relpath(p, tmp_path)), (lambda p: os.path.relpath(p, example.parent))
    assert [(here(s.path), s.kind, s.weight, s.optional) for s in train.sources] == [
        (root(s.path), s.kind, s.weight, s.optional) for s in DEFAULT.sources
    ]
    assert (train.human, train.human_weight, train.human_holdout) == (True, 2.0, 0.2)
    assert [here(p) for p in train.holdout] == [root(p) for p in DEFAULT.holdout]


# -- Play cutting paging off (issue 16.1) ----------------------------------------------------------
CUT_OFF = fixture("play_cut_off.txt")  # a null payload with an error status: paging cut off


def fresh_reviews(prefix: str, n: int, start: int) -> list:
    template = play_reviews("play_reviews_page1.txt")[0][0]
    return [
        play_review(template, f"gp:{prefix}{i}", f"ulasan {prefix} {i}", start - 60 * i) for i in range(n)
    ]


def test_google_play_scrapers_own_reviews_takes_the_cut_off_for_the_end(monkeypatch):
    """Why the cut-off must not be read as the end: the library stops there as if the feed ended."""
    import google_play_scraper.features.reviews as lib

    bodies = iter([PAGE1, CUT_OFF])
    monkeypatch.setattr(lib, "post", lambda *a, **k: next(bodies))
    theirs, token = lib.reviews(MPASPOR.play_package, lang="id", country="id", count=100)
    assert len(theirs) == 5 and token.token is None  # 5 of many, and "no more"


def test_the_cut_off_is_retried_and_one_retry_stores_every_review(store):
    run_play(store, [PAGE2])  # a completed run before: the watermark
    top, below = fresh_reviews("a", 3, 1773500000), fresh_reviews("b", 2, 1773400000)
    policy = no_wait()
    result, _ = run_play(store, [play_body(top, "T2"), CUT_OFF, play_body(below, "T3"), PAGE2], policy=policy)
    assert result.status == "success" and result.new == 5 and result.errors == 1, result.summary()
    assert len(policy.sleep) == 1 and 0.5 <= policy.sleep[0] <= 1.0  # backoff, as for a gateway error


def test_the_cut_off_three_times_fails_with_the_watermark_kept_then_the_next_run_fills_the_hole(store):
    """The hole scenario: before, each cut-off ended the run as a success and moved the watermark past
    the reviews below it, for good."""
    run_play(store, [PAGE2])
    mark = store.get_state("play_store", "mpaspor", "watermark:id")
    top, below = fresh_reviews("a", 3, 1773500000), fresh_reviews("b", 2, 1773400000)
    result, replay = run_play(store, [play_body(top, "T2"), CUT_OFF, CUT_OFF, CUT_OFF])
    assert result.status == "failed" and replay.left() == 0
    assert "page 2" in result.message and "failed after 3 attempts" in result.message
    assert "Play answered with an error (PlayDataError 5) and no reviews" in result.message
    assert f"the watermark stays at {mark}" in result.detail()
    assert store.get_state("play_store", "mpaspor", "watermark:id") == mark  # not moved past the hole
    assert query(store, "SELECT status, new FROM runs ORDER BY run_id DESC LIMIT 1") == [("failed", 3)]
    result, replay = run_play(store, [play_body(top, "T2"), play_body(below, "T3"), PAGE2])
    assert result.status == "success" and replay.left() == 0 and result.new == 2
    assert query(
        store, "SELECT count(*) FROM feedback WHERE native_id LIKE 'gp:a%' OR native_id LIKE 'gp:b%'"
    ) == [(5,)]
    assert "reached stored items on page 3" in result.summary()
    assert store.get_state("play_store", "mpaspor", "watermark:id") > mark


def test_a_cut_off_backfill_keeps_its_token_and_resumes_in_a_new_process_with_a_session(store):
    result, _ = run_play(store, [PAGE1, CUT_OFF, CUT_OFF, CUT_OFF], full=True)
    assert result.status == "failed" and "the next --full resumes there" in result.detail()
    assert store.get_state("play_store", "mpaspor", "backfill_token:id") == TOKEN  # page 1's, stored
    assert store.get_state("play_store", "mpaspor", "watermark:id") is None
    result, replay = run_play(store, [DETAILS, PAGE2], full=True)
    assert result.status == "success" and result.new == 3
    assert replay.requests[0].method == "GET" and TOKEN in form(replay.requests[1])
    assert "NID=511=sesi" in replay.requests[1].headers["cookie"]
    assert query(store, "SELECT count(*) FROM feedback") == [(8,)]
    assert store.get_state("play_store", "mpaspor", "backfill_token:id") is None


def test_a_null_payload_without_an_error_status_is_still_the_end(store):
    end = ")]}'\n\n" + json.dumps([["wrb.fr", "oCPfdb", None, None, None, None, "generic"]])
    result, _ = run_play(store, [PAGE1.replace(TOKEN, "T2"), end])
    assert (
        result.status == "success" and result.new == 5 and "end of the feed after page 2" in result.summary()
    )


# -- a failed first run (issue 17.1) ----------------------------------------------------------------
def test_a_failed_first_run_does_not_stop_the_next_one_on_its_own_pages(store):
    cut = PAGE2[: len(PAGE2) // 2]
    first, _ = run_play(store, [PAGE1, cut, cut, cut])  # no watermark yet; page 2 truncated
    assert first.status == "failed" and "no completed run yet" in first.detail()
    assert store.get_state("play_store", "mpaspor", "watermark:id") is None
    second, replay = run_play(store, [PAGE1, PAGE2])  # before: "reached stored items on page 1", 0 new
    assert second.status == "success" and len(replay.requests) == 2 and second.new == 3
    assert "end of the feed after page 2" in second.summary() and "reached stored" not in second.summary()
    assert query(store, "SELECT count(*) FROM feedback") == [(8,)]
    third, replay = run_play(store, [PAGE1])  # now a completed run's watermark: stop as before
    assert "reached stored items on page 1" in third.summary() and len(replay.requests) == 1


def test_a_store_filled_by_import_is_read_to_the_end_by_the_first_collect(store):
    store.upsert_feedback(playstore.parse_page(PAGE1).records)  # as `suara import` would have
    result, replay = run_play(store, [PAGE1, PAGE2])
    assert result.status == "success" and len(replay.requests) == 2 and result.new == 3


def test_a_killed_first_run_loses_nothing(store, monkeypatch):
    monkeypatch.setattr(incremental, "BATCH_RECORDS", 5)  # page 1 is committed before the kill

    class Killed(Replay):
        def __call__(self, request):
            if len(self.requests) == 1:
                raise KeyboardInterrupt
            return super().__call__(request)

    with pytest.raises(KeyboardInterrupt):
        collect(store, NO_REREAD, MPASPOR_ID, "play", client=Killed([PAGE1]).client(), policy=no_wait())
    assert query(store, "SELECT count(*) FROM feedback") == [(5,)]
    result, _ = run_play(store, [PAGE1, PAGE2])
    assert result.status == "success" and query(store, "SELECT count(*) FROM feedback") == [(8,)]


# -- replies and edits to older reviews (issue 16.4) ----------------------------------------------------
DAY = 86400


def three_pages(replied: dict | None = None, edited: dict | None = None) -> list[str]:
    """Pages A (newest, 10 March), B (5 March) and C (10 February) of three reviews each."""
    starts = {"A": 1773100000, "B": 1773100000 - 5 * DAY, "C": 1773100000 - 28 * DAY}
    bodies = []
    for n, (name, start) in enumerate(starts.items()):
        items = fresh_reviews(name, 3, start)
        for item in items:
            if replied and item[0] in replied:
                item[7] = [None, replied[item[0]], [start + DAY, 0]]
            if edited and item[0] in edited:
                item[4] = edited[item[0]]
        bodies.append(play_body(items, f"T{n + 2}" if name != "C" else None))
    return bodies


def test_a_reply_to_a_review_within_the_window_is_read_and_the_run_stops_past_it(store):
    run_play(store, three_pages(), settings=SETTINGS)
    reply = "Mohon maaf atas kendalanya, silakan hubungi layanan pengaduan"
    pages = three_pages(replied={"gp:B1": reply}, edited={"gp:B2": "sudah bisa bayar, terima kasih"})
    result, replay = run_play(store, pages, settings=SETTINGS)  # the default window: 14 days
    assert result.status == "success" and len(replay.requests) == 3, result.summary()
    assert (result.new, result.updated) == (0, 2)
    assert "reached stored items on page 3" in result.summary()  # C lies past the window: the stop
    row = query(store, "SELECT reply_text, replied_at FROM feedback WHERE native_id = 'gp:B1'")
    assert row == [(reply, datetime(2026, 3, 5, 23, 46, 40))]
    assert query(store, "SELECT text FROM feedback_revisions") == [("ulasan B 2",)]


def test_without_the_window_a_reply_below_the_first_page_was_never_read(store):
    """What the window is for: with reread_days = 0 the run stops at page A, all stored, as before."""
    run_play(store, three_pages(), settings=SETTINGS)
    result, replay = run_play(store, three_pages(replied={"gp:B1": "Mohon maaf"})[:1])
    assert len(replay.requests) == 1 and result.updated == 0
    assert query(store, "SELECT reply_text FROM feedback WHERE native_id = 'gp:B1'") == [(None,)]


def test_the_stop_rule_does_not_fire_on_a_page_with_a_new_reply(store):
    run_play(store, three_pages(), settings=SETTINGS)
    pages = three_pages(replied={"gp:A0": "Terima kasih"})
    result, replay = run_play(store, pages[:2])  # no window: page A has a new reply, so page B is read
    assert len(replay.requests) == 2 and result.updated == 1
    assert "reached stored items on page 2" in result.summary()


# -- languages (issue 16.5) ---------------------------------------------------------------------------
def test_each_language_is_a_stream_and_a_review_listed_in_two_is_stored_once(store):
    old = play_reviews("play_reviews_page1.txt")[0]
    english = play_review(old[0], "gp:en1", "The app keeps crashing at payment", 1773000000)
    result, replay = run_play(store, [PAGE1, PAGE2, play_body([english, old[1]])], app=MPASPOR)
    assert result.status == "success", result.summary()
    assert [r.url.params["hl"] for r in replay.requests] == ["id", "id", "en"]
    assert (result.fetched, result.new, result.duplicates) == (11, 9, 1)
    assert "en: 1 items already read in another stream of this run" in result.summary()
    assert query(
        store, "SELECT native_id, lang FROM feedback WHERE native_id IN ('gp:en1', ?) ORDER BY 1", old[1][0]
    ) == [
        (old[1][0], "id"),
        ("gp:en1", "en"),
    ]
    assert store.get_state("play_store", "mpaspor", "watermark:en") == "2026-03-08T20:00:00"


def test_langs_in_the_config_is_a_list_each_language_once(tmp_path):
    from suara.config import ConfigError, load_settings

    config = tmp_path / "suara.toml"
    config.write_text('[apps.a]\nplay_package = "x.y"\nlangs = ["id", "jv", "id"]\n')
    assert load_settings(config).apps[0].langs == ("id", "jv")
    config.write_text('[apps.a]\nplay_package = "x.y"\n')
    assert load_settings(config).apps[0].langs == ("id", "en")
    for bad, says in (
        ('lang = "id"', 'langs = ["id"]'),
        ("langs = []", "non-empty list"),
        ('langs = "id"', "list"),
    ):
        config.write_text(f'[apps.a]\nplay_package = "x.y"\n{bad}\n')
        with pytest.raises(ConfigError, match=re.escape(says)):
            load_settings(config)
