"""X (Twitter): API v2 recent-search responses replayed through the real collect path into DuckDB."""

from __future__ import annotations

import functools
import json
import logging

import duckdb
import httpx
from typer.testing import CliRunner

from ingest import http, twitter
from suara.cli import app as cli
from suara.config import MPASPOR, Settings
from tests.ingest_replay import Replay, fixture, no_wait, play_body, query, run_source

PAGE1, PAGE2, EMPTY = (
    fixture("x_search_page1.json"),
    fixture("x_search_page2.json"),
    fixture("x_search_empty.json"),
)
SECRET = "AAAAAAAAAAAAAAAAAAAAAsecret-bearer-token-value"
SETTINGS = Settings()


run_x = functools.partial(run_source, source="twitter")


def everything_stored(store) -> str:
    """Every value in every table, as text: to prove what is not in the database."""
    tables = [t for (t,) in store.con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    return json.dumps([store.con.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables], default=str)


def test_parse_page_reads_tweets_with_long_text_and_indonesian_lang():
    page = twitter.parse_page(PAGE1)
    assert page.cursor == "b26v89c19zqg8o3fr5qt3iuqrm3bbjuz3s5yx0cch0i2l" and len(page.records) == 3
    first, _, long = page.records
    assert first["created_at"].isoformat() == "2026-03-10T09:20:11" and first["lang"] == "id"
    assert first["likes"] == 5 and first["url"] == "https://x.com/i/web/status/1899001234567890123"
    assert first["author"] == "1400000000000000001" and "1400000000000000001" not in first["raw"]
    assert long["text"].endswith("Tolong tambah kuota.")  # note_tweet carries the full text of a long tweet
    assert twitter.parse_page(EMPTY).records == [] and twitter.parse_page(EMPTY).cursor is None


def test_without_the_bearer_token_the_source_fails_with_one_clear_message(store, monkeypatch):
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    result, replay = run_x(store, [])
    assert result.status == "failed" and replay.requests == []
    assert "X_BEARER_TOKEN is not set" in result.message and "tweet-harvest" in result.message
    assert query(store, "SELECT source, status FROM runs") == [("twitter", "failed")]


def test_pagination_with_next_token_then_since_id_on_the_next_run(store, monkeypatch, caplog):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    caplog.set_level(logging.DEBUG)
    result, replay = run_x(store, [PAGE1, PAGE2])
    assert result.status == "success", result.summary()
    assert (result.fetched, result.new) == (5, 5)
    first, second = replay.requests
    assert first.headers["authorization"] == f"Bearer {SECRET}"
    assert first.url.params["query"] == MPASPOR.twitter_query and first.url.params["max_results"] == "100"
    assert "since_id" not in first.url.params and "next_token" not in first.url.params
    assert second.url.params["next_token"] == "b26v89c19zqg8o3fr5qt3iuqrm3bbjuz3s5yx0cch0i2l"
    assert store.get_state("twitter", "mpaspor", "since_id") == "1899001234567890123"

    result, replay = run_x(store, [EMPTY])
    assert result.status == "success" and replay.requests[0].url.params["since_id"] == "1899001234567890123"
    assert SECRET not in everything_stored(store) and SECRET not in caplog.text


def test_an_interrupted_run_does_not_move_since_id(store, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    result, _ = run_x(store, [PAGE1] + [httpx.Response(503)] * 3)
    assert result.status == "failed" and result.new == 3
    assert store.get_state("twitter", "mpaspor", "since_id") is None  # the next run fetches the rest again


def test_429_waits_until_the_rate_limit_resets(store, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    policy = no_wait()
    reset = str(int(policy.clock()) + 30)
    limited = httpx.Response(429, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset})
    result, _ = run_x(store, [limited, PAGE1, PAGE2], policy=policy)
    assert result.status == "success" and result.new == 5 and policy.sleep == [31.0]


def test_a_reset_beyond_the_bound_fails_the_run_clearly(store, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    policy = no_wait(max_wait=60)
    reset = str(int(policy.clock()) + 900)
    limited = httpx.Response(429, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset})
    result, _ = run_x(store, [limited], policy=policy)
    assert result.status == "failed" and "asks to wait 900s" in result.message and policy.sleep == []


def test_a_reset_exactly_at_the_bound_is_still_waited_for(store, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    policy = no_wait(max_wait=60)
    limited = httpx.Response(
        429, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(policy.clock()) + 60)}
    )
    result, _ = run_x(store, [limited, PAGE1, PAGE2], policy=policy)
    assert result.status == "success" and result.new == 5
    assert policy.sleep == [61.0]  # the reset, then a second for its rounding


def test_the_monthly_usage_cap_fails_at_once_with_the_apis_message(store, monkeypatch):
    """X's 429 for a spent monthly cap (body and headers as xdevplatform/xdk#25 shows them): the
    15-minute window is fine, so waiting for its reset would only stall the night."""
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    policy = no_wait()
    capped = httpx.Response(
        429,
        text=fixture("x_usage_capped.json"),
        headers={"x-rate-limit-limit": "40000", "x-rate-limit-remaining": "39999",
                 "x-rate-limit-reset": str(int(policy.clock()) + 600)},
    )  # fmt: skip
    result, replay = run_x(store, [capped], policy=policy)
    assert result.status == "failed" and len(replay.requests) == 1 and policy.sleep == []
    assert "HTTP 429: Usage cap exceeded: Monthly product cap (standard-basic)" in result.message
    assert "waiting does not help" in result.message and result.errors == 1
    assert query(store, "SELECT status, errors FROM runs") == [("failed", 1)]


def test_a_429_without_the_cap_in_its_body_is_still_a_rate_limit(store, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    body = json.dumps(
        {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
    )
    policy = no_wait()
    limited = httpx.Response(429, text=body, headers={"x-rate-limit-reset": str(int(policy.clock()) + 5)})
    result, _ = run_x(store, [limited, PAGE1, PAGE2], policy=policy)
    assert result.status == "success" and policy.sleep == [6.0]


def test_a_spent_quota_waits_for_its_reset_before_the_next_page(store, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    policy = no_wait()
    spent = {
        "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(int(policy.clock()) + 120),
    }
    result, _ = run_x(store, [httpx.Response(200, text=PAGE1, headers=spent), PAGE2], policy=policy)
    assert result.status == "success" and result.new == 5 and result.errors == 0
    assert policy.sleep == [121.0]


def test_a_spent_quota_resetting_too_late_fails_and_keeps_the_first_page(store, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    policy = no_wait(max_wait=60)
    spent = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(policy.clock()) + 800)}
    result, _ = run_x(store, [httpx.Response(200, text=PAGE1, headers=spent)], policy=policy)
    assert result.status == "failed" and "rate limit spent" in result.message and result.new == 3


def test_a_rejected_token_is_not_retried_and_never_shown(store, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    result, replay = run_x(store, [httpx.Response(401, text=fixture("x_unauthorized.json"))])
    assert result.status == "failed" and len(replay.requests) == 1
    assert "HTTP 401" in result.message and "check X_BEARER_TOKEN" in result.message
    assert SECRET not in result.message and SECRET not in everything_stored(store)


def test_a_since_id_older_than_the_search_window_is_dropped(store, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    store.set_state("twitter", "mpaspor", "since_id", "1")
    invalid = httpx.Response(400, json={"title": "Invalid Request", "detail": "since_id is too old"})
    result, replay = run_x(store, [invalid, PAGE1, PAGE2])
    assert result.status == "success" and result.new == 5
    assert (
        replay.requests[0].url.params["since_id"] == "1" and "since_id" not in replay.requests[1].url.params
    )


def test_a_truncated_body_is_retried_then_fails_the_source(store, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    result, _ = run_x(store, [PAGE1[:150], PAGE1, PAGE2])
    assert result.status == "success" and result.new == 5 and result.errors == 1
    result, _ = run_x(store, [PAGE1[:150]] * 3)
    assert result.status == "failed" and "not whole JSON" in result.message


def test_a_tweet_without_text_is_skipped(store, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    data = json.loads(PAGE2)
    del data["data"][0]["text"]
    result, _ = run_x(store, [json.dumps(data)])
    assert result.status == "success" and (result.new, result.skipped) == (1, 1)
    assert result.skip_reasons == {"missing field 'text'": 1}


def test_collect_all_goes_on_when_twitter_has_no_token_and_exits_1(tmp_path, monkeypatch):
    """`suara collect` (all sources) through the CLI: Play and the App Store land, X fails clearly."""
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    replay = Replay(
        {
            "play.google.com": [
                fixture("play_reviews_page1.txt"),
                fixture("play_reviews_page2.txt"),
                play_body([]),
            ],
            "itunes.apple.com": [
                fixture("appstore_page1.json"),
                fixture("appstore_page2_single.json"),
                fixture("appstore_page3_empty.json"),
            ],
        }
    )
    monkeypatch.setattr(http, "make_client", lambda **kw: replay.client())
    db = tmp_path / "all.duckdb"
    result = CliRunner().invoke(cli, ["collect", "--db", str(db), "--app", "mpaspor"])
    assert result.exit_code == 1
    assert "X_BEARER_TOKEN is not set" in result.output
    assert "1 of 3 source runs failed (twitter/mpaspor)" in result.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT source, count(*) FROM feedback GROUP BY 1 ORDER BY 1").fetchall() == [
            ("app_store", 4),
            ("play_store", 8),
        ]
        assert con.execute("SELECT source, status FROM runs ORDER BY run_id").fetchall() == [
            ("play_store", "success"),
            ("app_store", "success"),
            ("twitter", "failed"),
        ]
    finally:
        con.close()
    assert replay.left() == 0


def test_collect_twitter_through_the_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", SECRET)
    replay = Replay({"api.x.com": [PAGE1, PAGE2]})
    monkeypatch.setattr(http, "make_client", lambda **kw: replay.client())
    result = CliRunner().invoke(cli, ["collect", "--source", "twitter", "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 0, result.output
    assert "twitter/mpaspor: 5 fetched, 5 new" in result.output and SECRET not in result.output
