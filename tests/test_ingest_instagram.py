"""Instagram comments: Graph API answers in the documented shapes replayed through the real collect path."""

from __future__ import annotations

import dataclasses
import json
import logging

import duckdb
import httpx
from typer.testing import CliRunner

from ingest import http, instagram, instagram_graph
from suara.cli import app as cli
from suara.config import MPASPOR, Settings
from tests.ingest_replay import Replay, fixture, no_wait, query, run_source

SECRET = "EAAGcontohTOKENsecret1234567890abcdefZZ"
APP = dataclasses.replace(MPASPOR, instagram_user_id="17841400000000001")
NO_REREAD = Settings(extra={"collect": {"reread_days": 0}})
ACCOUNT, MEDIA1, MEDIA2 = (
    fixture("ig_account.json"),
    fixture("ig_media_page1.json"),
    fixture("ig_media_page2.json"),
)
COMMENTS1, COMMENTS2 = fixture("ig_comments_page1.json"), fixture("ig_comments_page2.json")
THREADED, REPLIES2 = fixture("ig_comments_threaded.json"), fixture("ig_replies_page2.json")
# a whole run: the account, media page 1, the comments of its one medium with comments (two pages),
# media page 2, the comments of its medium, whose replies run on to a second page
FULL_RUN = [ACCOUNT, MEDIA1, COMMENTS1, COMMENTS2, MEDIA2, THREADED, REPLIES2]
USERNAMES = ("warga_satu", "warga_dua", "warga_tiga", "warga_empat", "warga_lima")


def run_ig(store, answers, settings=NO_REREAD, **kwargs):
    return run_source(store, answers, "instagram", app=APP, settings=settings, **kwargs)


def error(status: int, name: str, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(status, text=fixture(name), headers=headers or {})


def everything_stored(store) -> str:
    tables = [t for (t,) in store.con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    return json.dumps([store.con.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables], default=str)


def test_two_pages_of_media_and_comments_with_the_accounts_own_replies(store, monkeypatch, caplog):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    caplog.set_level(logging.DEBUG)
    result, replay = run_ig(store, FULL_RUN)
    assert result.status == "success", result.summary()
    assert (result.fetched, result.new, result.skipped) == (5, 5, 0) and replay.left() == 0
    account, media1, comments1, comments2, media2, threaded, replies = replay.requests
    assert account.url.path == "/v25.0/17841400000000001" and account.url.params["fields"] == "username"
    assert media1.url.path == "/v25.0/17841400000000001/media" and "after" not in media1.url.params
    assert media1.url.params["fields"] == "id,timestamp,permalink,comments_count"
    assert media2.url.params["after"] == "QVFIUmNvbnRvaGFmdGVyMTI="  # paging.cursors.after of page 1
    assert comments1.url.path == "/v25.0/17900000000000011/comments"
    assert comments1.url.params["fields"] == (
        "id,text,timestamp,username,like_count,replies{id,text,timestamp,username,like_count}"
    )
    assert comments2.url.params["after"] == "QVFIUmNvbW1lbnRhZnRlcjE="
    assert threaded.url.path == "/v25.0/17900000000000013/comments"  # the medium without comments: no call
    assert replies.url.path == "/v25.0/17850000000000201/replies"
    assert replies.url.params["after"] == "QVFIUnJlcGx5YWZ0ZXI="
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in replay.requests)
    assert all("access_token" not in r.url.params for r in replay.requests)

    rows = query(
        store,
        "SELECT native_id, reply_text, replied_at, likes, url, author_hash IS NOT NULL FROM feedback "
        "WHERE source = 'instagram' ORDER BY native_id",
    )
    assert [r[0] for r in rows] == [
        "17850000000000101",
        "17850000000000103",
        "17850000000000105",
        "17850000000000201",
        "17850000000000202",
    ]  # the account's own comment (104) and replies (102, 203) are not feedback
    first, second, _, nik, _ = rows
    assert first[1].startswith("@AKUN Mohon maaf") and first[2].isoformat() == "2026-11-28T07:40:00"
    assert first[3] == 3 and first[4] == "https://www.instagram.com/p/CtContoh11/" and first[5]
    assert second[1] is None and second[4] == first[4]  # a citizen's reply is feedback with the post's link
    assert nik[1].startswith("@AKUN Silakan") and nik[4] == "https://www.instagram.com/reel/CtContoh13/"
    raw = json.loads(query(store, "SELECT raw FROM feedback WHERE native_id = '17850000000000103'")[0][0])
    assert raw == {"media_id": "17900000000000011", "parent_id": "17850000000000101"}
    stored = everything_stored(store)
    assert SECRET not in stored and SECRET not in caplog.text and SECRET not in result.summary()
    assert query(store, "SELECT count(DISTINCT author_hash) FROM feedback") == [(5,)]
    # usernames are kept only as salted hashes: not in raw, not as the @mention replies start with
    assert not any(name in stored for name in USERNAMES)
    assert store.get_state("instagram", "mpaspor", "watermark") == "2026-11-28T09:00:00"


def test_mentions_of_citizens_are_masked_and_the_accounts_own_kept():
    text = "@warga_satu @Kanim_Contoh cek email budi@contoh.id ya @warga.dua."
    assert (
        instagram.unmention(text, "kanim_contoh") == "@AKUN @Kanim_Contoh cek email budi@contoh.id ya @AKUN."
    )
    from nlp.text import clean

    assert clean(instagram.unmention("@warga_satu tolong", "kanim_contoh")) == "tolong"  # no word "akun"


def test_an_incremental_rerun_stops_at_the_first_page_already_stored(store, monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    assert run_ig(store, FULL_RUN)[0].status == "success"
    result, replay = run_ig(store, [ACCOUNT, MEDIA1, COMMENTS1, COMMENTS2])  # nothing after page 1
    assert result.status == "success", result.summary()
    assert (result.new, result.updated, result.fetched) == (0, 0, 3) and replay.left() == 0
    assert "reached stored items on page 1" in result.summary()


def test_a_later_reply_of_the_account_updates_the_stored_comment(store, monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    run_ig(store, FULL_RUN)
    page2 = json.loads(COMMENTS2)
    page2["data"][0]["replies"] = {
        "data": [
            {
                "id": "17850000000000106",
                "text": "Cek folder spam ya kak",
                "timestamp": "2026-11-29T01:00:00+0000",
                "username": "Kanim_Contoh",
                "like_count": 0,
            }
        ]
    }
    result, _ = run_ig(store, [ACCOUNT, MEDIA1, COMMENTS1, json.dumps(page2), MEDIA2, THREADED, REPLIES2])
    assert (result.new, result.updated) == (0, 1), result.summary()  # a page whose reply changed is read on
    assert query(store, "SELECT reply_text FROM feedback WHERE native_id = '17850000000000105'") == [
        ("Cek folder spam ya kak",)
    ]


def test_an_expired_token_fails_at_once_with_one_line_naming_what_to_do(store, monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    result, replay = run_ig(store, [error(400, "ig_token_expired.json")])
    assert result.status == "failed" and len(replay.requests) == 1  # not retried
    assert "expired or was revoked" in result.message and "OAuthException 190, subcode 463" in result.message
    assert "SUARA_INSTAGRAM_TOKEN" in result.message and "\n" not in result.message
    assert "fbtrace_id AbCdEfGh123" in result.message and SECRET not in result.message
    assert query(store, "SELECT source, status FROM runs") == [("instagram", "failed")]


def test_a_missing_permission_in_metas_error_body_names_the_permissions(store, monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    result, _ = run_ig(store, [ACCOUNT, MEDIA1, error(403, "ig_permission_missing.json")])
    assert result.status == "failed" and result.new == 0
    assert "was refused with HTTP 403; the access token lacks a permission" in result.message
    assert "(#10) Application does not have permission" in result.message
    assert "instagram_basic, instagram_manage_comments, pages_read_engagement" in result.message


def test_usage_headers_near_the_limit_make_the_next_request_wait(store, monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    buc = {
        "17841400000000001": [
            {
                "type": "instagram",
                "call_count": 96,
                "total_cputime": 20,
                "total_time": 30,
                "estimated_time_to_regain_access": 3,
            }
        ]
    }
    busy = httpx.Response(200, text=MEDIA1, headers={"x-business-use-case-usage": json.dumps(buc)})
    app_busy = httpx.Response(
        200, text=COMMENTS2, headers={"x-app-usage": '{"call_count": 91, "total_time": 4}'}
    )
    calm = httpx.Response(200, text=COMMENTS1, headers={"x-app-usage": '{"call_count": 12}'})
    policy = no_wait()
    result, _ = run_ig(store, [ACCOUNT, busy, calm, app_busy, MEDIA2, THREADED, REPLIES2], policy=policy)
    assert result.status == "success", result.summary()
    assert policy.sleep == [180.0, instagram_graph.USAGE_WAIT]  # 3 minutes to regain access; then the default


def test_a_wait_longer_than_the_bound_fails_and_keeps_what_was_stored(store, monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    buc = {"1": [{"type": "instagram", "call_count": 100, "estimated_time_to_regain_access": 60}]}
    spent = httpx.Response(200, text=COMMENTS2, headers={"x-business-use-case-usage": json.dumps(buc)})
    result, _ = run_ig(store, [ACCOUNT, MEDIA1, COMMENTS1, spent], policy=no_wait(max_wait=900))
    assert result.status == "failed" and result.new == 3
    assert "access returns in 3600s, more than the 900s bound" in result.message
    assert store.get_state("instagram", "mpaspor", "watermark") is None  # the next run reads on


def test_a_throttling_error_is_waited_out_and_retried(store, monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    policy = no_wait()
    answers = [ACCOUNT, error(400, "ig_throttled.json"), *FULL_RUN[1:]]
    result, replay = run_ig(store, answers, policy=policy)
    assert result.status == "success" and result.new == 5 and result.errors == 1, result.summary()
    assert policy.sleep == [instagram_graph.USAGE_WAIT] and replay.left() == 0


def test_a_failed_run_keeps_the_watermark_and_the_next_reads_on_to_the_end(store, monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    failed, _ = run_ig(store, [ACCOUNT, MEDIA1, COMMENTS1, COMMENTS2] + [httpx.Response(503)] * 3)
    assert failed.status == "failed" and failed.new == 3
    assert "no completed run yet: the next run reads on past the stored pages" in failed.summary()
    assert store.get_state("instagram", "mpaspor", "watermark") is None
    result, replay = run_ig(store, FULL_RUN)  # page 1 is all stored, but no completed run saw it: read on
    assert result.status == "success" and result.new == 2 and replay.left() == 0
    assert store.get_state("instagram", "mpaspor", "watermark") == "2026-11-28T09:00:00"


def test_media_ending_at_the_edges_limit_before_the_stored_items_record_a_gap(store, monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    monkeypatch.setattr(instagram, "MEDIA_LIMIT", 3)
    store.set_state("instagram", "mpaspor", "watermark", "2026-11-01T00:00:00")  # a completed run long ago
    result, _ = run_ig(store, FULL_RUN)
    assert result.status == "success" and "GAP" in result.summary()
    gap = json.loads(store.get_state("instagram", "mpaspor", "gap"))
    assert gap["after"] == "2026-11-01T00:00:00" and gap["before"] == "2026-11-12T04:00:00"


def test_without_a_token_the_source_fails_before_any_request(store, monkeypatch):
    monkeypatch.delenv("SUARA_INSTAGRAM_TOKEN", raising=False)
    result, replay = run_ig(store, [])
    assert result.status == "failed" and replay.requests == []
    assert "no Instagram access token" in result.message and "[instagram] token_file" in result.message


def test_the_token_from_the_file_named_in_suara_toml_is_used_and_scrubbed(
    store, monkeypatch, tmp_path, caplog
):
    monkeypatch.delenv("SUARA_INSTAGRAM_TOKEN", raising=False)
    token_file = tmp_path / "ig-token"
    token_file.write_text(SECRET + "\n", encoding="utf-8")
    settings = Settings(extra={"collect": {"reread_days": 0}, "instagram": {"token_file": str(token_file)}})
    result, replay = run_ig(store, [error(400, "ig_token_expired.json")], settings=settings)
    assert replay.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    from suara.redact import scrub

    assert scrub(f"token {SECRET} leaked") == "token [SECRET] leaked"
    token_file.write_text("Bearer " + SECRET, encoding="utf-8")
    result, replay = run_ig(store, [], settings=settings)
    assert result.status == "failed" and replay.requests == [] and "starts with 'Bearer '" in result.message
    assert SECRET not in result.message


def test_an_app_without_instagram_user_id_is_skipped_and_all_runs_it_only_where_configured(store):
    from ingest.collect import default_sources

    result, _ = run_source(store, [], "instagram")
    assert result.status == "skipped" and "no instagram_user_id" in result.message
    assert default_sources(MPASPOR) == ["play", "appstore", "twitter"]
    assert default_sources(APP) == ["play", "appstore", "twitter", "instagram"]


def test_collect_instagram_through_the_cli_into_a_temp_duckdb(tmp_path, monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    config = tmp_path / "suara.toml"
    config.write_text(
        '[apps.mpaspor]\nname = "M-Paspor"\ninstagram_user_id = "17841400000000001"\n', encoding="utf-8"
    )
    replay = Replay({"graph.facebook.com": list(FULL_RUN)})
    monkeypatch.setattr(http, "make_client", lambda **kw: replay.client())
    db = tmp_path / "ig.duckdb"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["collect", "--source", "instagram", "--db", str(db), "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    assert "instagram/mpaspor: 5 fetched, 5 new" in result.output and SECRET not in result.output
    status = runner.invoke(cli, ["status", "--db", str(db), "--config", str(config)])
    assert status.exit_code == 0 and "instagram" in status.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT source, count(*) FROM feedback GROUP BY 1").fetchall() == [
            ("instagram", 5)
        ]
    finally:
        con.close()
    assert replay.left() == 0


def test_the_pages_and_exports_show_instagram_without_usernames(tmp_path, db_path, monkeypatch):
    from suara.store import Store
    from tests.test_dashboard import app, rendered_text

    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    with Store(db_path) as store:
        assert run_ig(store, FULL_RUN)[0].new == 5
    monkeypatch.setenv("SUARA_DB", str(db_path))
    page = app("feedback")
    shown = rendered_text(page)
    assert "Instagram" in [o for box in page.sidebar.multiselect for o in box.options]
    assert "Kode OTP tidak pernah masuk ke email saya" in shown
    assert not any(name in shown for name in USERNAMES)
    out = tmp_path / "laporan.csv"
    result = CliRunner().invoke(cli, ["export", str(out), "--db", str(db_path), "--source", "instagram"])
    assert result.exit_code == 0, result.output
    exported = out.read_text(encoding="utf-8")
    assert exported.count("instagram") >= 5 and "https://www.instagram.com/p/CtContoh11/" in exported
    assert not any(name in exported for name in USERNAMES)


def test_the_nightly_collects_instagram_only_for_the_apps_that_configure_it():
    from suara.nightly_plan import default_sources as nightly_sources

    both = Settings(apps=(APP, dataclasses.replace(MPASPOR, key="lain")))
    assert [(t.app_id, t.source) for t in nightly_sources(both) if t.source == "instagram"] == [
        ("mpaspor", "instagram")
    ]
    assert [t.source for t in nightly_sources(Settings())] == ["play", "appstore", "twitter"]
    assert [t.app_id for t in nightly_sources(both, only=["instagram"])] == ["mpaspor", "lain"]


def test_an_unreadable_token_file_or_a_bad_instagram_table_fails_the_source_in_one_line(
    store, monkeypatch, tmp_path
):
    monkeypatch.delenv("SUARA_INSTAGRAM_TOKEN", raising=False)
    missing = Settings(extra={"instagram": {"token_file": str(tmp_path / "absent")}})
    result, replay = run_ig(store, [], settings=missing)
    assert result.status == "failed" and replay.requests == []
    assert "[instagram] token_file" in result.message and "cannot be read (No such file" in result.message
    bad = Settings(extra={"instagram": {"api_version": "25", "token": "x"}})
    result, _ = run_ig(store, [], settings=bad)
    assert result.status == "failed" and "[instagram] has unknown keys ['token']" in result.message
