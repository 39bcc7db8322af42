"""`suara doctor`'s Instagram token check: replayed Graph API answers, read-only requests, one line each."""

from __future__ import annotations

import json

import httpx
from typer.testing import CliRunner

from ingest import http
from suara.cli import app as cli
from suara.config import Settings
from suara.doctor_instagram import check_instagram
from tests.ingest_replay import Replay, fixture
from tests.test_ingest_instagram import APP, SECRET

SETTINGS = Settings(apps=(APP,))
ALL_GRANTED = json.dumps(
    {
        "data": [
            {"permission": "instagram_basic", "status": "granted"},
            {"permission": "instagram_manage_comments", "status": "granted"},
            {"permission": "pages_read_engagement", "status": "granted"},
            {"permission": "pages_show_list", "status": "granted"},
        ]
    }
)


def test_a_good_token_is_ok_with_the_account_and_its_permissions(monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    replay = Replay([fixture("ig_account.json"), ALL_GRANTED])
    [check] = check_instagram(SETTINGS, client=replay.client())
    assert check.status == "ok" and "@kanim_contoh" in check.detail and "nothing written" in check.detail
    account, perms = replay.requests
    assert all(r.method == "GET" for r in replay.requests)  # read-only: nothing posted
    assert account.url.path == "/v25.0/17841400000000001" and perms.url.path == "/v25.0/me/permissions"


def test_a_declined_permission_is_a_warning_naming_it(monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    perms = json.loads(ALL_GRANTED)
    perms["data"][1]["status"] = "declined"
    replay = Replay([fixture("ig_account.json"), json.dumps(perms)])
    [check] = check_instagram(SETTINGS, client=replay.client())
    assert check.status == "warn" and "lacks instagram_manage_comments" in check.detail


def test_an_expired_token_is_a_warning_with_metas_reason_never_the_token(monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    replay = Replay([httpx.Response(400, text=fixture("ig_token_expired.json"))])
    [check] = check_instagram(SETTINGS, client=replay.client())
    assert check.status == "warn" and "expired or was revoked" in check.detail
    assert SECRET not in check.detail and SECRET not in check.hint


def test_no_check_without_instagram_and_a_warning_without_a_token(monkeypatch):
    monkeypatch.delenv("SUARA_INSTAGRAM_TOKEN", raising=False)
    assert check_instagram(Settings()) == []  # M-Paspor's default has no instagram_user_id
    [check] = check_instagram(SETTINGS, client=Replay([]).client())
    assert check.status == "warn" and "no Instagram access token" in check.detail


def test_suara_doctor_shows_the_instagram_line(tmp_path, monkeypatch):
    monkeypatch.setenv("SUARA_INSTAGRAM_TOKEN", SECRET)
    config = tmp_path / "suara.toml"
    config.write_text('[apps.mpaspor]\ninstagram_user_id = "17841400000000001"\n', encoding="utf-8")
    replay = Replay({"graph.facebook.com": [fixture("ig_account.json"), ALL_GRANTED]})
    monkeypatch.setattr(http, "make_client", lambda **kw: replay.client())
    db = tmp_path / "d.duckdb"
    result = CliRunner().invoke(cli, ["doctor", "--db", str(db), "--config", str(config)])
    assert "instagram mpaspor: the token reads @kanim_contoh" in result.output, result.output
    assert SECRET not in result.output and not db.exists()  # the doctor created nothing
