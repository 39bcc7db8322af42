"""The Tanggapan page in AppTest: figures equal reply.metrics, actions off without a login, roles."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from googleapiclient.http import HttpMockSequence
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

from reply.clients import PlayClient
from reply.send import send
from suara.config import MPASPOR
from suara.store import Store
from tests.dashboard_fixture import NIK_DIGITS, build

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("replies") / "suara.duckdb")


@pytest.fixture
def db(fixture_db, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "suara.duckdb"
    shutil.copy(fixture_db, path)
    monkeypatch.setenv("SUARA_DB", str(path))
    monkeypatch.delenv("SUARA_LOCAL_USER", raising=False)
    config = tmp_path / "suara.toml"
    config.write_text('[reply.roles]\nviewer = ["v@imigrasi.go.id"]\napprover = ["boss@imigrasi.go.id"]\n')
    monkeypatch.setenv("SUARA_CONFIG", str(config))
    return path


AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only",
        "keycloak": {"client_id": "suara", "client_secret": "test-only",
                     "server_metadata_url": "https://sso.example.invalid/realms/kemenkumham/.well-known/openid-configuration"}}  # fmt: skip


def page(user: dict | None = None, login: bool = False) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.user = user or {}  # no login configured unless the test logs someone in
    if login:
        at.secrets["auth"] = AUTH
    at.run()
    at.switch_page("views/replies.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def buttons(at: AppTest, prefix: str):
    return [b for b in at.button if (b.key or "").startswith(prefix)]


def replies(db: Path):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT feedback_id, state, created_by, approved_by FROM replies").fetchall()


def test_figures_and_a_read_only_queue_without_login(db):
    at = page()
    labels = {m.label: m.value for m in at.metric}
    assert "Porsi dijawab" in labels and "Dijawab" in labels
    assert list(at.dataframe[0].value.columns) == [
        "Sumber",
        "Masukan",
        "Dijawab",
        "Porsi dijawab",
        "Median waktu jawab",
    ]
    drafts = buttons(at, "draft_")
    assert drafts and all(b.disabled for b in drafts)
    assert any("Hanya baca" in i.value for i in at.info)
    text = "\n".join(m.value for m in at.markdown)
    assert not any(n in text for n in NIK_DIGITS)  # texts are masked


def test_local_user_drafts_and_the_audit_trail_names_them(db, monkeypatch):
    monkeypatch.setenv("SUARA_LOCAL_USER", "rina")
    at = page()
    first = buttons(at, "draft_")[0]
    fid = first.key.removeprefix("draft_")
    first.click().run()
    assert replies(db) == [(fid, "draft", "rina", None)]
    at.button(key=f"approve_{fid}").click().run()  # the local user approves (no role says otherwise)
    assert replies(db) == [(fid, "approved", "rina", "rina")]


def test_a_viewer_cannot_approve_and_an_approver_can(db, monkeypatch):
    monkeypatch.setenv("SUARA_LOCAL_USER", "rina")
    at = page()
    fid = buttons(at, "draft_")[0].key.removeprefix("draft_")
    at.button(key=f"draft_{fid}").click().run()
    monkeypatch.delenv("SUARA_LOCAL_USER")
    viewer = page({"email": "v@imigrasi.go.id", "is_logged_in": True})
    assert viewer.button(key=f"approve_{fid}").disabled and viewer.button(key=f"save_{fid}").disabled
    assert all(b.disabled for b in buttons(viewer, "draft_"))
    with pytest.raises(AppTestError):  # a browser cannot click a disabled button
        viewer.button(key=f"approve_{fid}").click()
    assert replies(db)[0][1] == "draft"
    boss = page({"email": "boss@imigrasi.go.id", "is_logged_in": True})
    boss.button(key=f"approve_{fid}").click().run()
    assert replies(db)[0][1:] == ("approved", "rina", "boss@imigrasi.go.id")


def answered(at: AppTest) -> int:
    value = next(m.value for m in at.metric if m.label == "Dijawab")
    return int(value.split("/")[0].replace(".", "").strip())


def test_from_a_complaint_on_the_page_to_a_sent_reply_and_a_higher_response_rate(db, monkeypatch):
    """The analyst drafts and approves on the page; `suara reply send --yes` posts it (reply.send.send,
    through the real Play client on a replayed ReviewsReplyResponse); the page then counts it answered."""
    monkeypatch.setenv("SUARA_LOCAL_USER", "rina")
    at = page()
    before = answered(at)
    fid = next(b.key.removeprefix("draft_") for b in buttons(at, "draft_play_store:"))
    at.button(key=f"draft_{fid}").click().run()
    at.button(key=f"approve_{fid}").click().run()
    with duckdb.connect(str(db), read_only=True) as con:
        (text,) = con.execute("SELECT text FROM replies WHERE feedback_id = ?", [fid]).fetchone()
    result = {"result": {"replyText": text, "lastEdited": {"seconds": "1743379200", "nanos": 0}}}
    http = HttpMockSequence([({"status": "200"}, json.dumps(result))])
    client = PlayClient.build(MPASPOR.play_package, http=http)
    with Store(db) as store:
        (outcome,) = send(store, lambda *_: client, "rina", yes=True)
    assert outcome.result == "sent" and http.request_sequence[0][1] == "POST"
    after = page()
    assert answered(after) == before + 1
    assert fid not in {b.key.removeprefix("draft_") for b in buttons(after, "draft_")}  # off the queue
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT state FROM replies WHERE feedback_id = ?", [fid]).fetchone() == ("sent",)


def test_with_a_login_configured_nobody_acts_before_logging_in_and_groups_give_roles(db, monkeypatch):
    monkeypatch.setenv("SUARA_LOCAL_USER", "rina")  # ignored once a login is configured
    at = page(login=True)
    assert at.button(key="reply_login") and all(b.disabled for b in buttons(at, "draft_"))
    assert any("Masuk untuk" in i.value for i in at.info)
    at.button(key="reply_login").click().run()  # AppTest's secrets are not the login's: an incomplete [auth]
    assert not at.exception and any("Login belum bisa dipakai" in e.value for e in at.error)
    config = Path(os.environ["SUARA_CONFIG"])
    config.write_text('[reply.roles]\nanalyst = ["group:humas"]\n')
    analyst = page({"email": "a@imigrasi.go.id", "groups": ["/humas"], "is_logged_in": True}, login=True)
    fid = buttons(analyst, "draft_")[0].key.removeprefix("draft_")
    analyst.button(key=f"draft_{fid}").click().run()
    assert replies(db) == [(fid, "draft", "a@imigrasi.go.id", None)]
    assert analyst.button(key=f"approve_{fid}").disabled and analyst.button(key="reply_logout")
