"""Issue 17, items 5-7, against the real CLI on temp stores: no secret and no personal data through the gaps.

Each case runs `suara` (typer's runner, in process) and looks everywhere a text can end up: the console,
the JSON log file, ``runs.message`` (what Riwayat shows), the digest (Markdown and HTML) and what a
webhook receives. HTTP goes through real sockets: a local server stands in for api.x.com and for the
webhook, and httpx's own transport (h11) handles the request, so a malformed header fails exactly as
it does in production.
"""

from __future__ import annotations

import http.server
import json
import threading
from datetime import timedelta
from pathlib import Path

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from ingest import http as ingest_http
from suara.cli import app
from suara.credentials import CredentialError, credential, secret_forms
from suara.store import Store, utcnow

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F"
# Pasted with a line break in the middle, as the probe did: every form of it must stay out of sight.
BROKEN = TOKEN[:40] + "\n" + TOKEN[40:]
HOOK = "/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"
PERSONAL = ("3273012345678901", "081234567890", "budi.santoso@gmail.com")


class Server(http.server.BaseHTTPRequestHandler):
    """Answers X searches with the recorded empty page; records what webhooks receive."""

    received: list = []

    def do_GET(self):  # noqa: N802 (the http.server API)
        Server.received.append(("GET", self.path, self.headers.get("authorization")))
        body = (FIXTURES / "x_search_empty.json").read_bytes()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["content-length"]))
        Server.received.append(("POST", self.path, json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Server)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    Server.received = []
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


class ToLocal(httpx.BaseTransport):
    """Sends every request to the local server through httpx's real HTTP transport (h11 checks headers)."""

    def __init__(self, port: int):
        self.port, self.real = port, httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return self.real.handle_request(request)

    def close(self) -> None:
        self.real.close()


@pytest.fixture
def env(tmp_path, monkeypatch, server):
    """A temp store, a suara.toml that tries once, and X answered by the local server."""
    for key in ("X_BEARER_TOKEN", "SUARA_WEBHOOK_URL", "SUARA_HEALTHCHECK_URL", "SUARA_DB", "SUARA_SALT"):
        monkeypatch.delenv(key, raising=False)
    config = tmp_path / "suara.toml"
    config.write_text(
        '[suara]\ndb = "suara.duckdb"\nlog_file = "logs/suara.jsonl"\n[collect]\nattempts = 1\n'
    )
    monkeypatch.setenv("SUARA_CONFIG", str(config))
    monkeypatch.setattr(
        ingest_http, "make_client", lambda timeout=5.0, **kw: httpx.Client(transport=ToLocal(server))
    )
    yield tmp_path


def everything_written(root: Path, output: str) -> str:
    """The console, the log file, every runs.message and the digests, as one text to search."""
    texts = [output]
    texts += [p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.jsonl"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((root / "reports").glob("*"))]
    con = duckdb.connect(str(root / "suara.duckdb"), read_only=True)
    try:
        texts += [m or "" for (m,) in con.execute("SELECT message FROM runs").fetchall()]
    finally:
        con.close()
    return "\n".join(texts)


def assert_no_form_of(secret: str, text: str) -> None:
    for form in secret_forms(secret):
        assert form not in text, f"a form of the secret leaked: {form[:12]}..."


def test_the_local_server_path_works_with_a_good_token(env, monkeypatch):
    """The control: a well-formed token reaches the server through the real transport."""
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    result = CliRunner().invoke(app, ["nightly", "--sources", "twitter"])
    assert result.exit_code == 0, result.output
    assert Server.received[0][0] == "GET" and Server.received[0][2] == f"Bearer {TOKEN}"
    assert_no_form_of(TOKEN, everything_written(env, result.output))


def test_a_token_with_a_line_break_leaks_nowhere(env, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", BROKEN)
    result = CliRunner().invoke(app, ["nightly", "--sources", "twitter"])
    assert result.exit_code == 1, result.output  # the twitter source failed, the job went on
    assert "Traceback" not in result.output
    written = everything_written(env, result.output)
    assert_no_form_of(BROKEN, written)
    con = duckdb.connect(str(env / "suara.duckdb"), read_only=True)
    try:
        runs = con.execute("SELECT job, source, status FROM runs ORDER BY run_id").fetchall()
    finally:
        con.close()
    assert ("collect", "twitter", "failed") in runs and ("nightly", None, "failed") in runs
    assert not [r for r in Server.received if r[0] == "GET"]  # the broken header never went out


def test_collect_refuses_a_malformed_token_before_any_request(env, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", BROKEN)
    result = CliRunner().invoke(app, ["collect", "--source", "twitter"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "X_BEARER_TOKEN is malformed: it contains a line break" in result.output
    assert_no_form_of(BROKEN, everything_written(env, result.output))
    assert not [r for r in Server.received if r[0] == "GET"]


def test_doctor_names_the_fault_without_the_value(env, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", BROKEN)
    monkeypatch.setenv("SUARA_WEBHOOK_URL", f"https://hooks.example.com{HOOK}\n")  # a trailing break is fine
    result = CliRunner().invoke(app, ["doctor"])
    assert "Traceback" not in result.output
    assert "X_BEARER_TOKEN is malformed: it contains a line break at character 41" in result.output
    assert "alerts go to https://hooks.example.com/" in result.output
    assert_no_form_of(BROKEN, result.output)
    assert HOOK not in result.output


def test_credentials_are_checked_without_echo(monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", f"  {TOKEN}\n")
    assert credential("X_BEARER_TOKEN") == TOKEN  # surrounding whitespace is not a fault
    for bad, fault in (
        (BROKEN, "a line break"),
        (f"Bearer {TOKEN}", "starts with 'Bearer '"),
        (f'"{TOKEN}"', "a quote"),
        (TOKEN[:30] + "\u00e9" + TOKEN[30:], "a non-ASCII character"),
    ):
        monkeypatch.setenv("X_BEARER_TOKEN", bad)
        with pytest.raises(CredentialError) as info:
            credential("X_BEARER_TOKEN")
        assert fault in str(info.value) and TOKEN[20:40] not in str(info.value)
    monkeypatch.setenv("SUARA_WEBHOOK_URL", "hooks.example.com/services/T0/B0")
    with pytest.raises(CredentialError, match="not an http"):
        credential("SUARA_WEBHOOK_URL")
    monkeypatch.delenv("SUARA_WEBHOOK_URL")
    assert credential("SUARA_WEBHOOK_URL") is None


def test_every_form_of_a_secret_is_scrubbed_from_stored_run_messages(tmp_path, monkeypatch):
    """Whatever writes a runs row: raw, folded to one line, repr, JSON, bytes repr, URL-encoded."""
    monkeypatch.setenv("X_BEARER_TOKEN", BROKEN)
    forms = [
        BROKEN,
        " ".join(BROKEN.split()),
        repr(BROKEN),
        json.dumps(BROKEN),
        f"Illegal header value {('Bearer ' + BROKEN).encode()!r}",
        httpx.URL("https://x.test/", params={"t": BROKEN}).query.decode(),
    ]
    with Store(tmp_path / "runs.duckdb") as store:
        for form in forms:
            run = store.start_run("collect", "twitter", "mpaspor")
            store.finish_run(run, "failed", f"failed: {form}; NIK {PERSONAL[0]}")
        stored = [m for (m,) in store.con.execute("SELECT message FROM runs ORDER BY run_id").fetchall()]
    assert all("[SECRET]" in m and "[NIK]" in m for m in stored), stored
    assert_no_form_of(BROKEN, "\n".join(stored))
    assert not any(piece in "\n".join(stored) for piece in BROKEN.split())


def test_malformed_webhook_url_is_reported_not_used(env, monkeypatch):
    monkeypatch.setenv("SUARA_WEBHOOK_URL", f"https://hooks.example.com{HOOK[:10]}\n{HOOK[10:]}")
    result = CliRunner().invoke(app, ["nightly", "--sources", "twitter"])  # no token: twitter fails
    assert result.exit_code == 1 and "Traceback" not in result.output
    written = everything_written(env, result.output)
    assert "SUARA_WEBHOOK_URL is malformed: it contains a line break" in written
    assert HOOK[10:] not in written and not [r for r in Server.received if r[0] == "POST"]


def test_webhook_payload_is_masked_like_the_digest(env, monkeypatch, server):
    """An alert whose text carries personal data (an app named after a person's number, an older
    Suara's message) is masked in the webhook's payload, through the same path as the digest."""
    monkeypatch.setenv("SUARA_WEBHOOK_URL", f"http://127.0.0.1:{server}{HOOK}")
    db = env / "suara.duckdb"
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    now = utcnow()
    message = f"M-Paspor: 9 complaints; hubungi {PERSONAL[1]} / {PERSONAL[2]}, NIK {PERSONAL[0]}"
    with Store(db) as store:
        store.con.execute(
            "INSERT INTO alerts VALUES (?, 'spike_day', 'mpaspor', 'otp_not_received', NULL, ?, ?, 9, 1, 5, ?, ?, NULL)",
            ["spike_day:mpaspor:otp:-:x", now - timedelta(days=1), now, message, now],
        )
    result = CliRunner().invoke(app, ["nightly", "--sources", "twitter"])
    posts = [r[2] for r in Server.received if r[0] == "POST"]
    assert len(posts) == 1, result.output
    text = posts[0]["text"]
    assert "[TELEPON]" in text and "[EMAIL]" in text and "[NIK]" in text
    assert not any(p in text for p in PERSONAL)
    assert not any(p in everything_written(env, result.output) for p in PERSONAL)


# -- 17.6: a per-installation salt, beside the config, never in the database -------------------------
def import_file(path: Path, author: str, native_id: str) -> Path:
    record = {
        "source": "play_store",
        "native_id": native_id,
        "app_id": "mpaspor",
        "author": author,
        "text": "aplikasi error terus",
        "rating": 1,
        "created_at": "2026-03-01T08:00:00Z",
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def stored_hash(db: Path, native_id: str) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT author_hash FROM feedback WHERE native_id = ?", [native_id]).fetchone()[0]
    finally:
        con.close()


def test_init_creates_a_secret_salt_beside_the_config_and_uses_it(env, monkeypatch):
    from suara.feedback_batch import author_hash

    runner = CliRunner()
    doctor = runner.invoke(app, ["doctor"])
    assert "author salt: author names are hashed with the public default salt" in doctor.output
    first = runner.invoke(app, ["init"])
    assert first.exit_code == 0, first.output
    salt_file = env / ".suara-salt"
    assert f"author salt: created {salt_file} (mode 0600" in first.output
    salt = salt_file.read_text().strip()
    assert len(salt) == 64 and (salt_file.stat().st_mode & 0o777) == 0o600
    assert salt not in first.output
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 0 and salt_file.read_text().strip() == salt  # never overwritten
    assert f"author salt: from {salt_file}" in again.output
    result = runner.invoke(app, ["import", str(import_file(env / "a.jsonl", "Budi Santoso", "a1"))])
    assert result.exit_code == 0, result.output
    db = env / "suara.duckdb"
    assert stored_hash(db, "a1") == author_hash("Budi Santoso", salt)
    assert stored_hash(db, "a1") != author_hash("Budi Santoso", "suara-default-salt")
    assert salt.encode() not in db.read_bytes()  # the salt is never in the database
    assert "ok   author salt: a per-installation salt from" in runner.invoke(app, ["doctor"]).output
    monkeypatch.setenv("SUARA_SALT", "an-operator-chosen-secret")  # still overrides the file
    assert (
        runner.invoke(app, ["import", str(import_file(env / "b.jsonl", "Budi Santoso", "b1"))]).exit_code == 0
    )
    assert stored_hash(db, "b1") == author_hash("Budi Santoso", "an-operator-chosen-secret")


def test_an_existing_install_keeps_working_and_its_old_hashes(env):
    from suara.feedback_batch import author_hash

    runner = CliRunner()
    db = env / "suara.duckdb"
    assert runner.invoke(app, ["import", str(import_file(env / "a.jsonl", "Siti", "old1"))]).exit_code == 0
    before = stored_hash(db, "old1")
    assert before == author_hash("Siti", "suara-default-salt")  # an install from before this change
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0 and "the 1 items stored before keep their old author hashes" in result.output
    assert stored_hash(db, "old1") == before
    assert runner.invoke(app, ["import", str(import_file(env / "b.jsonl", "Siti", "new1"))]).exit_code == 0
    salt = (env / ".suara-salt").read_text().strip()
    assert stored_hash(db, "new1") == author_hash("Siti", salt) != before


def test_a_public_or_broken_salt_is_named(env, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("SUARA_SALT", "change-me-to-a-long-random-string")  # copied from the example
    assert "is a public value" in runner.invoke(app, ["doctor"]).output
    monkeypatch.delenv("SUARA_SALT")
    (env / ".suara-salt").write_text("\n")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"salt file {env / '.suara-salt'} is empty" in result.output
    assert len(result.output.strip().splitlines()) == 1
