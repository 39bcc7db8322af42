"""Network sources at their worst, through the real `suara` CLI on temp stores (issues 16 and 17).

Each case runs the command as a user would (typer's runner, the real collector, DuckDB files; the
transport replays the services' recorded shapes, or a real socket misbehaves) and checks what the
user is promised: the exit code, one line saying what failed and what happens next, never a
traceback, and the rows stored before and after: nothing lost, nothing half-written.
"""

from __future__ import annotations

import textwrap
from urllib.parse import unquote

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from ingest import http, playstore
from suara.cli import app as cli
from tests.ingest_replay import Replay, SlowServer, fixture, play_reviews

PAGE1, PAGE2 = fixture("play_reviews_page1.txt"), fixture("play_reviews_page2.txt")
CUT_OFF = fixture("play_cut_off.txt")
APPSTORE = [fixture(f"appstore_page{n}.json") for n in ("1", "2_single", "3_empty")]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in ("SUARA_DB", "SUARA_CONFIG", "X_BEARER_TOKEN", "SUARA_WEBHOOK_URL"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def config(tmp_path):
    """A suara.toml beside a temp database: one app, Play in Indonesian, two attempts per request."""
    path = tmp_path / "suara.toml"
    path.write_text(
        textwrap.dedent("""
        [suara]
        db = "suara.duckdb"

        [apps.mpaspor]
        name = "M-Paspor"
        play_package = "id.go.imigrasi.paspor_online"
        appstore_id = "1576336459"
        twitter_query = "mpaspor lang:id"
        langs = ["id"]

        [collect]
        attempts = 2
        reread_days = 0
        deadline_seconds = 30
        timeout_seconds = 2
        """)
    )
    return path


def replay(monkeypatch, answers) -> Replay:
    r = Replay(answers)
    monkeypatch.setattr(http, "make_client", lambda **kw: r.client())
    return r


def suara(config, *args: str):
    return CliRunner().invoke(cli, [*args, "--config", str(config)])


def rows(config) -> int:
    db = config.parent / "suara.duckdb"
    if not db.exists():
        return 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM feedback").fetchone()[0]
    finally:
        con.close()


def one_error(result, *expected: str) -> str:
    """The single ``error:`` line of a failed command, holding ``expected``; no traceback anywhere."""
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    for text in expected:
        assert text in result.output, result.output
    return errors[0]


def test_play_cutting_paging_off_fails_clearly_and_the_next_run_stores_every_review(config, monkeypatch):
    suara(config, "init")
    replay(monkeypatch, [PAGE1, CUT_OFF, CUT_OFF])
    result = suara(config, "collect", "--source", "play")
    assert result.exit_code == 1 and rows(config) == 5
    one_error(
        result, "1 of 1 source runs failed (play_store/mpaspor)", "Play answered with an error (PlayDataError"
    )
    assert "no completed run yet: the next run reads on" in result.output
    replay(monkeypatch, [PAGE1, PAGE2])
    result = suara(config, "collect", "--source", "play")
    assert result.exit_code == 0 and rows(config) == 8, result.output


def test_a_cut_off_backfill_resumes_at_its_token(config, monkeypatch):
    replay(monkeypatch, [PAGE1, CUT_OFF, CUT_OFF])
    result = suara(config, "collect", "--source", "play", "--full")
    assert result.exit_code == 1 and rows(config) == 5
    one_error(result, "the next --full resumes there")
    session = httpx.Response(200, text="<html></html>", headers={"set-cookie": "NID=1=x; Path=/"})
    r = replay(monkeypatch, [session, PAGE2])
    result = suara(config, "collect", "--source", "play", "--full")
    assert result.exit_code == 0 and rows(config) == 8, result.output
    token = play_reviews("play_reviews_page1.txt")[1]
    assert token in unquote(r.requests[1].content.decode()) and r.requests[1].headers["cookie"] == "NID=1=x"


def test_a_truncated_second_page_of_a_first_run_then_a_rerun_loses_nothing(config, monkeypatch):
    """Issue 17.1's reproduction: before, the re-run said "reached stored items on page 1, 0 new"."""
    cut = PAGE2[: len(PAGE2) // 2]
    replay(monkeypatch, [PAGE1, cut, cut])
    result = suara(config, "collect", "--source", "play")
    assert result.exit_code == 1 and rows(config) == 5
    one_error(result, "not whole JSON")
    replay(monkeypatch, [PAGE1, PAGE2])
    result = suara(config, "collect", "--source", "play")
    assert result.exit_code == 0 and rows(config) == 8
    assert "3 new" in result.output and "reached stored items" not in result.output


def test_the_x_usage_cap_fails_at_once_with_the_apis_words(config, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", "AAAA-a-token-for-the-test")
    suara(config, "init")
    capped = httpx.Response(
        429, text=fixture("x_usage_capped.json"), headers={"x-rate-limit-remaining": "39999"}
    )
    r = replay(monkeypatch, [capped])
    result = suara(config, "collect", "--source", "twitter")
    assert result.exit_code == 1 and len(r.requests) == 1 and rows(config) == 0
    one_error(result, "Usage cap exceeded: Monthly product cap", "waiting does not help")
    assert "AAAA-a-token-for-the-test" not in result.output


def test_an_empty_app_store_feed_is_a_warning_in_collect_status_and_doctor(config, monkeypatch):
    replay(monkeypatch, APPSTORE)
    assert suara(config, "collect", "--source", "appstore").exit_code == 0 and rows(config) == 4
    replay(monkeypatch, [APPSTORE[2]])  # the feed answers an empty first page
    result = suara(config, "collect", "--source", "appstore")
    assert result.exit_code == 0 and rows(config) == 4
    assert "id: WARNING: the first page was empty" in result.output
    status = suara(config, "status")
    assert (
        status.exit_code == 0
        and "source app_store/mpaspor (id): WARNING: the first page was empty" in status.output
    )
    doctor = suara(config, "doctor")
    assert "warn source data: app_store/mpaspor (id): WARNING: the first page was empty" in doctor.output
    assert "Traceback" not in doctor.output + status.output


def test_a_server_dripping_bytes_fails_at_the_deadline_not_after_minutes(config, monkeypatch):
    # a short deadline here only: replayed answers elsewhere must not race it on a loaded machine
    config.write_text(config.read_text().replace("deadline_seconds = 30", "deadline_seconds = 0.5"))
    server = SlowServer(["drip", "drip"], PAGE2)
    monkeypatch.setattr(
        playstore.Formats.Reviews, "URL_FORMAT", server.url + "/batchexecute?hl={lang}&gl={country}"
    )
    try:
        result = suara(config, "collect", "--source", "play")  # the real client, the [collect] deadline
    finally:
        server.close()
    assert result.exit_code == 1 and rows(config) == 0
    one_error(result, "1 of 1 source runs failed")
    assert "took longer than the 0.5s deadline" in result.output


@pytest.mark.parametrize(
    ("line", "says"),
    [('lang = "id"', 'lang is now a list, langs: write langs = ["id"]'), ("langs = []", "non-empty list")],
)
def test_a_bad_languages_setting_is_one_line_and_exit_2(config, monkeypatch, line, says):
    replay(monkeypatch, [PAGE1, PAGE2])
    suara(config, "init")
    config.write_text(config.read_text().replace('langs = ["id"]', line))
    result = suara(config, "collect", "--source", "play")
    assert result.exit_code == 2 and rows(config) == 0
    assert says in one_error(result)
