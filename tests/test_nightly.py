"""`suara nightly` on real DuckDB files: sources isolated, crash safety and lock contention with real
processes, retraining, alerts through a local webhook server, backups, and logs free of personal data."""

from __future__ import annotations

import http.server
import io
import json
import logging
import os
import re
import runpy
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from ingest import http as ingest_http
from nlp import model as nlp_model
from nlp import train as nlp_train
from suara.cli import app
from suara.config import MPASPOR, Settings
from suara.human_labels import save_human_labels
from suara.logs import reset_logging, setup_logging
from suara.migrations import SCHEMA_VERSION
from suara.nightly import backup_database, run_nightly
from suara.nightly_plan import SourceTask
from suara.store import Store, UpsertCounts, utcnow
from suara.taxonomy import load_taxonomy
from suara.training import TrainConfig, TrainSource
from tests.test_alerts import add_items, seed_series

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
LABELLED = ROOT / "data" / "labels" / "test.jsonl"
PERSONAL = ("3273012345678901", "081234567890", "budi.santoso@gmail.com")


@pytest.fixture(autouse=True)
def clean_logging(monkeypatch):
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    monkeypatch.delenv("SUARA_WEBHOOK_URL", raising=False)
    yield
    reset_logging()


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """A real model trained in a second on 80 labelled texts (the classifier's quality is not the point)."""
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()[:80]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, _ = nlp_train.train(
            [r["text"] for r in rows], [r["labels"] for r in rows], load_taxonomy().ids, folds=2
        )
    models = tmp_path_factory.mktemp("models")
    return nlp_model.save(model, models / model.version, {"trained_at": "2026-01-01T00:00:00", "n_train": 80})


def texts() -> list[str]:
    return [json.loads(line)["text"] for line in LABELLED.read_text(encoding="utf-8").splitlines()]


def records(start: int, n: int, days_back: int = 10) -> list[dict]:
    sample, now = texts(), utcnow()
    return [
        {
            "source": "play_store",
            "native_id": f"r{i}",
            "app_id": "mpaspor",
            "text": f"{sample[i % len(sample)]} #{i}",
            "rating": 1 + i % 5,
            "app_version": "7.3.10",
            "created_at": now - timedelta(hours=1 + i % (24 * days_back)),
        }
        for i in range(start, start + n)
    ]


def new_db(tmp_path: Path, model_path: Path, n: int = 0) -> Settings:
    db = tmp_path / "suara.duckdb"
    meta = json.loads((model_path / nlp_model.META_FILE).read_text())
    with Store(db) as store:
        store.register_model(meta["version"], str(model_path), meta["metrics"], 80)
        if n:
            store.upsert_feedback(records(0, n))
    return Settings(db_path=db, apps=(MPASPOR,))


def replay_task(recs: list[dict], source: str = "play") -> SourceTask:
    def run(store: Store) -> UpsertCounts:
        return store.upsert_feedback(recs)

    return SourceTask("mpaspor", source, run)


def query(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# -- sources are isolated -------------------------------------------------------------------------
def store_transport() -> httpx.MockTransport:
    """The App Store answers from recorded feed pages; Google Play answers 500 to everything."""
    pages = {
        n: (FIXTURES / f"appstore_page{n}{s}.json").read_text()
        for n, s in ((1, ""), (2, "_single"), (3, "_empty"))
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "itunes.apple.com":
            number = int(re.search(r"/page=(\d+)/", str(request.url)).group(1))
            return httpx.Response(200, text=pages.get(number, pages[3]))
        return httpx.Response(500, text="internal error")

    return httpx.MockTransport(handler)


def test_one_failing_source_does_not_stop_the_others(tmp_path, tiny_model):
    s = new_db(tmp_path, tiny_model)
    client = ingest_http.make_client(transport=store_transport())
    policy = ingest_http.RetryPolicy(attempts=2, sleep=lambda _: None)
    r = run_nightly(s, client=client, policy=policy, models_dir=tmp_path)
    assert r.exit_code == 1
    lines = {line.source: line for line in r.sources}
    assert lines["app_store"].status == "success" and lines["app_store"].new == 4
    assert lines["play_store"].status == "failed" and "500" in lines["play_store"].message
    assert lines["twitter"].status == "failed" and "X_BEARER_TOKEN" in lines["twitter"].message
    assert r.step("classify").status == "success" and r.classified == 4
    assert {s.name: s.status for s in r.steps}["backup"] == "success" and r.backup.exists()
    runs = dict(query(s.db_path, "SELECT coalesce(source, job), status FROM runs"))
    assert runs == {
        "app_store": "success",
        "play_store": "failed",
        "twitter": "failed",
        "classify": "success",
        "nightly": "failed",
    }
    md = r.digest[0].read_text()
    assert (
        "| mpaspor | play_store | gagal |" in md and "X_BEARER_TOKEN" in md and "ada langkah yang gagal" in md
    )
    assert "<td>twitter</td><td>gagal</td>" in r.digest[1].read_text()  # Bahasa Indonesia by default

    again = run_nightly(s, client=client, policy=policy, models_dir=tmp_path)  # incremental: nothing new
    assert again.exit_code == 1 and {x.source: x.new for x in again.sources}["app_store"] == 0
    assert again.classified == 0 and "nothing new" in again.step("classify").message


def test_the_cli_runs_the_job_and_sets_the_exit_code(tmp_path, tiny_model, monkeypatch):
    s = new_db(tmp_path, tiny_model)
    monkeypatch.setattr(ingest_http, "make_client", lambda **kw: httpx.Client(transport=store_transport()))
    result = CliRunner().invoke(app, ["nightly", "--db", str(s.db_path), "--sources", "appstore"])
    assert result.exit_code == 0, result.output
    assert "digest:" in result.output and "exit code 0" in result.output
    assert (tmp_path / "reports").is_dir() and len(list((tmp_path / "backups").glob("suara-*.duckdb"))) == 1
    digest = next((tmp_path / "reports").glob("*.md"))
    assert digest.read_text().startswith("# Ringkasan harian Suara")  # Bahasa Indonesia by default
    result = CliRunner().invoke(app, ["nightly", "--db", str(s.db_path), "--sources", "appstore,bogus"])
    assert result.exit_code == 2 and "unknown source(s) ['bogus']" in result.output
    result = CliRunner().invoke(
        app, ["nightly", "--db", str(s.db_path), "--sources", "appstore", "--lang", "en"]
    )
    assert result.exit_code == 0 and digest.read_text().startswith("# Suara nightly digest")
    config = tmp_path / "suara.toml"
    config.write_text('[digest]\nlang = "en"\n')
    result = CliRunner().invoke(
        app,
        ["nightly", "--db", str(s.db_path), "--config", str(config), "--lang", "id", "--sources", "appstore"],
    )
    assert result.exit_code == 0 and digest.read_text().startswith("# Ringkasan harian")  # the flag wins
    config.write_text('[digest]\nlang = "fr"\n')
    result = CliRunner().invoke(
        app, ["nightly", "--db", str(s.db_path), "--config", str(config), "--sources", "appstore"]
    )
    assert result.exit_code == 2 and '[digest] lang must be "id" (Bahasa Indonesia) or "en"' in result.output
    assert "Traceback" not in result.output


def test_no_model_is_a_setup_error_but_alerts_and_digest_still_run(tmp_path):
    s = Settings(db_path=tmp_path / "suara.duckdb", apps=(MPASPOR,))
    r = run_nightly(s, sources=[replay_task(records(0, 10))], models_dir=tmp_path / "none")
    assert r.exit_code == 2 and "suara train" in r.step("classify").message
    assert r.step("alerts").status == "success" and r.step("finish").status == "success" and r.digest


# -- crash safety: SIGKILL a real run, check the database, run again ------------------------------
JOB = textwrap.dedent(
    """
    import json, logging, sys
    from datetime import datetime, timedelta
    from pathlib import Path
    from suara.config import MPASPOR, Settings
    from suara.logs import setup_logging
    from suara.nightly import run_nightly
    from suara.nightly_plan import SourceTask
    from suara.store import UpsertCounts

    log = logging.getLogger("replay")


    def task(pages, sample):
        def replay(store):
            total = UpsertCounts()
            for p in range(pages):  # one page, one transaction, as the real sources do
                total += store.upsert_feedback([
                    {"source": "play_store", "native_id": f"p{p}-{i}", "app_id": "mpaspor",
                     "text": f"{sample[(p * 500 + i) % len(sample)]} #{p}-{i}",
                     "created_at": datetime(2026, 3, 1) + timedelta(minutes=p * 500 + i)}
                    for i in range(500)])
                log.info("replay page %d stored", p)
            return total

        return SourceTask("mpaspor", "play", replay)


    if __name__ == "__main__":
        db, models, pages, batch = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        sample = [json.loads(x)["text"] for x in Path(sys.argv[5]).read_text(encoding="utf-8").splitlines()]
        setup_logging()
        result = run_nightly(Settings(db_path=db, apps=(MPASPOR,)), sources=[task(pages, sample)],
                             batch_size=batch, keep_backups=0, models_dir=models)
        sys.exit(result.exit_code)
    """
)


def start_job(tmp_path: Path, model: Path, pages: int, batch: int) -> subprocess.Popen:
    script = tmp_path / "job.py"
    script.write_text(JOB)
    args = [
        sys.executable,
        str(script),
        str(tmp_path / "suara.duckdb"),
        str(model.parent),
        str(pages),
        str(batch),
        str(LABELLED),
    ]
    return subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)


def kill_when(proc: subprocess.Popen, marker: str, deadline: float = 60.0) -> list[str]:
    lines, until = [], time.monotonic() + deadline
    while time.monotonic() < until:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return lines
    proc.kill()
    raise AssertionError(f"never saw {marker!r}; the job said:\n{''.join(lines)}")


def integrity(db: Path) -> dict:
    """The invariants a killed run must not break; returns counts for the caller's checks."""
    with Store(db) as store:
        con = store.con
        assert store.schema_version == SCHEMA_VERSION
        for table in ("labels", "classifications", "feedback_offices", "feedback_revisions"):
            orphans = con.execute(
                f"SELECT count(*) FROM {table} t WHERE NOT EXISTS "
                "(SELECT 1 FROM feedback f WHERE f.id = t.feedback_id)"
            ).fetchone()[0]
            assert orphans == 0, f"orphan rows in {table}"
        unexplained = con.execute(
            "SELECT count(*) FROM labels l WHERE origin = 'model' AND NOT EXISTS (SELECT 1 FROM classifications c "
            "WHERE c.feedback_id = l.feedback_id AND c.model_version = l.model_version)"
        ).fetchone()[0]
        assert unexplained == 0, "model labels without their classification row"
        return {
            "feedback": con.execute("SELECT count(*) FROM feedback").fetchone()[0],
            "classified": dict(
                con.execute("SELECT feedback_id, classified_at FROM classifications").fetchall()
            ),
            "running": con.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()[0],
        }


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kill_at", ["replay page 2 stored", "classified "])
def test_sigkill_mid_run_leaves_a_consistent_database_and_the_next_run_finishes(
    tmp_path, tiny_model, kill_at, caplog
):
    pages, batch = 6, 200
    s = new_db(tmp_path, tiny_model)
    kill_when(start_job(tmp_path, tiny_model, pages, batch), kill_at)

    before = integrity(s.db_path)
    # whole pages only (a page is a transaction), at least pages 0-2
    assert before["feedback"] % 500 == 0 and before["feedback"] >= 1500
    assert len(before["classified"]) % batch == 0  # whole batches only
    if kill_at == "classified ":
        assert before["feedback"] == pages * 500 and 0 < len(before["classified"]) < pages * 500
    assert before["running"] >= 1  # the killed run's rows, still "running"

    job = runpy.run_path(str(tmp_path / "job.py"))  # the same replay, run again to completion in this process
    with caplog.at_level(logging.INFO):
        r = run_nightly(
            s, sources=[job["task"](pages, texts())], batch_size=batch, keep_backups=0, models_dir=tmp_path
        )
    assert r.exit_code == 0, r.failures
    after = integrity(s.db_path)
    assert (
        after["feedback"] == pages * 500 and len(after["classified"]) == pages * 500 and after["running"] == 0
    )
    # exactly the rest: nothing classified twice
    assert r.classified == pages * 500 - len(before["classified"])
    assert all(after["classified"][k] == v for k, v in before["classified"].items())  # earlier work kept
    assert r.interrupted_runs == before["running"] and "took over a stale nightly lock" in caplog.text
    statuses = query(s.db_path, "SELECT status, message FROM runs WHERE job = 'nightly' ORDER BY run_id")
    assert [st for st, _ in statuses] == ["failed", "success"] and "interrupted" in statuses[0][1]


# -- lock contention: a dashboard process holds a read connection ----------------------------------
READER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    con.execute("SELECT count(*) FROM feedback").fetchall()
    print("reading", flush=True)
    time.sleep(float(sys.argv[2]))
    con.close()
    """
)


def start_reader(db: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", READER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "reading"
    return proc


def test_a_reader_that_never_lets_go_fails_the_step_clearly_within_the_bound(tmp_path, tiny_model):
    s = new_db(tmp_path, tiny_model, n=20)
    reader = start_reader(s.db_path, 60)
    try:
        t0 = time.monotonic()
        r = run_nightly(s, sources=[replay_task(records(20, 5))], write_wait=1.5, models_dir=tmp_path)
        elapsed = time.monotonic() - t0
    finally:
        reader.kill()
        reader.wait()
    assert r.exit_code == 2 and 1.4 < elapsed < 20
    start = r.step("start")
    assert start.status == "failed" and str(s.db_path) in start.message and "locked" in start.message
    # the other writing steps do not wait in vain
    assert all(st.status == "skipped" for st in r.steps if st.name not in ("start", "digest"))
    assert r.step("digest").status == "success" and "locked" in r.digest[0].read_text()
    assert query(s.db_path, "SELECT count(*) FROM feedback") == [(20,)]


def test_a_reader_that_lets_go_in_time_only_delays_the_job(tmp_path, tiny_model):
    s = new_db(tmp_path, tiny_model, n=20)
    reader = start_reader(s.db_path, 1.0)
    t0 = time.monotonic()
    r = run_nightly(s, sources=[replay_task(records(20, 5))], write_wait=30, models_dir=tmp_path)
    elapsed = time.monotonic() - t0
    reader.wait()
    assert r.exit_code == 0, r.failures
    assert elapsed > 0.5 and r.classified == 25
    assert query(s.db_path, "SELECT count(*) FROM classifications") == [(25,)]


# -- retraining -----------------------------------------------------------------------------------
def test_retrain_only_when_analysts_labelled_since_the_current_model(tmp_path, tiny_model):
    s = new_db(tmp_path, tiny_model, n=30)
    data = tmp_path / "train.jsonl"
    data.write_text(
        "\n".join(LABELLED.read_text(encoding="utf-8").splitlines()[:50]) + "\n", encoding="utf-8"
    )
    models = tmp_path / "models"
    train = TrainConfig((TrainSource(data),), holdout=(), human_holdout=0.0)  # no holdout: the gate promotes
    kw = {"retrain": True, "train": train, "models_dir": models, "keep_backups": 0}
    r = run_nightly(s, sources=[], **kw)
    assert r.step("retrain").status == "skipped" and "no analyst labels" in r.step("retrain").message
    assert r.classified == 30 and r.exit_code == 0
    with Store(s.db_path) as store:
        save_human_labels(store, [("play_store:r3", ["otp_not_received"], "analis")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = run_nightly(s, sources=[], **kw)
    assert r.exit_code == 0, r.failures
    assert r.retrained and r.retrained != tiny_model.name and (models / r.retrained).is_dir()
    assert r.retrain_decision == f"promoted model {r.retrained}: no held-out texts to compare on " + (
        "(no holdout file found and no analysts' labels held out)"
    )
    assert r.model_version == r.retrained and r.classified == 30  # everything relabelled by the new model
    assert query(s.db_path, "SELECT DISTINCT model_version FROM classifications") == [(r.retrained,)]
    assert query(s.db_path, "SELECT version FROM models WHERE is_current") == [(r.retrained,)]
    r = run_nightly(s, sources=[], **kw)
    assert r.step("retrain").status == "skipped" and r.classified == 0


# -- alerts through a real local webhook server ------------------------------------------------------
class Hook(http.server.BaseHTTPRequestHandler):
    status = 500
    received: list = []

    def do_POST(self):  # noqa: N802 (the http.server API)
        body = self.rfile.read(int(self.headers["content-length"]))
        Hook.received.append(json.loads(body))
        self.send_response(Hook.status)
        self.end_headers()

    def do_GET(self):  # noqa: N802 (a dead-man's-switch ping)
        Hook.received.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Hook.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/secret-path"
    server.shutdown()
    server.server_close()


def test_a_failing_webhook_does_not_fail_the_run_and_alerts_are_sent_later(
    tmp_path, tiny_model, hook_url, caplog
):
    s = new_db(tmp_path, tiny_model)
    as_of = utcnow()
    version = tiny_model.name
    with Store(s.db_path) as store:
        items = []
        for day, n in enumerate([30] + [2] * 62):
            items += [
                (
                    f"spike-{day}-{k}",
                    "mpaspor",
                    as_of - timedelta(days=day, minutes=1 + k),
                    None,
                    ["otp_not_received"],
                )
                for k in range(n)
            ]
        add_items(store, items, model_version=version)
    Hook.status = 500
    with caplog.at_level(logging.WARNING):
        r = run_nightly(s, sources=[], as_of=as_of, webhook_url=hook_url, models_dir=tmp_path)
    assert r.exit_code == 0 and {a.kind for a in r.new_alerts} == {"spike_day", "spike_week"}
    hook = r.step("webhook")
    assert hook.status == "failed" and hook.severity == "notice" and "secret-path" not in caplog.text
    assert len(Hook.received) == 1 and "OTP" in Hook.received[0]["text"]
    assert query(s.db_path, "SELECT count(*) FROM alerts WHERE notified_at IS NULL") == [(2,)]
    assert "## Peringatan baru" in r.digest[0].read_text() and "webhook" in r.digest[0].read_text()

    Hook.status = 200
    r = run_nightly(
        s, sources=[], as_of=as_of + timedelta(minutes=5), webhook_url=hook_url, models_dir=tmp_path
    )
    assert r.exit_code == 0 and r.new_alerts == [] and r.step("webhook").message == "sent 2 alert(s)"
    assert query(s.db_path, "SELECT count(*) FROM alerts WHERE notified_at IS NULL") == [(0,)]
    assert Hook.received[1]["text"].startswith("Suara: 2 new alerts")


@pytest.mark.parametrize(
    ("lang", "spike", "table", "title"),
    [
        (
            "id",
            "25 keluhan 'Kuota selalu penuh' dalam 24 jam terakhir, perkiraan sekitar 1,0 (batas peringatan",
            "| Kuota selalu penuh | 31 | 7 | +343% |",
            "# Ringkasan harian Suara, ",
        ),
        (
            "en",
            "25 'Quota always full' complaints in the last 24 h, expected about 1.0 (alert above",
            "| Quota always full | 31 | 7 | +343% |",
            "# Suara nightly digest, ",
        ),
    ],
)
def test_seeded_spike_reaches_digest(tmp_path, tiny_model, lang, spike, table, title):
    s = replace(new_db(tmp_path, tiny_model), digest_lang=lang)
    as_of = utcnow()
    with Store(s.db_path) as store:
        seed_series(store, {("mpaspor", "quota_full"): [25] + [1] * 62}, as_of=as_of)
        store.con.execute("UPDATE classifications SET model_version = ?", [tiny_model.name])
        store.con.execute("UPDATE labels SET model_version = ?", [tiny_model.name])
    r = run_nightly(s, sources=[], as_of=as_of, models_dir=tmp_path, keep_backups=0)
    md, page = r.digest[0].read_text(), r.digest[1].read_text()
    assert r.exit_code == 0 and md.startswith(title) and f"M-Paspor: {spike}" in md
    assert table in md  # last 7 days against the 7 before, with the change
    assert f'<html lang="{lang}">' in page and spike.replace("'", "&#x27;") in page


def test_dead_mans_switch_pings_the_exit_status(hook_url):
    script = ROOT / "deploy" / "healthcheck.sh"
    env = {"PATH": os.environ["PATH"], "SUARA_HEALTHCHECK_URL": hook_url}
    subprocess.run([str(script), "1"], env=env, check=True)
    subprocess.run([str(script)], env={**env, "EXIT_STATUS": "0"}, check=True)
    subprocess.run([str(script)], env={**env, "EXIT_STATUS": "TERM"}, check=True)  # killed by the timeout
    no_url = {"PATH": os.environ["PATH"]}
    subprocess.run([str(script), "0"], env=no_url, check=True)  # not configured: no ping
    assert Hook.received == ["/hooks/secret-path/1", "/hooks/secret-path/0", "/hooks/secret-path/1"]


# -- logs and digest carry no personal data ----------------------------------------------------------
def test_no_personal_data_in_the_log_file_stderr_or_digest(tmp_path, tiny_model):
    s = new_db(tmp_path, tiny_model)
    recs = records(0, 5)
    recs[0]["text"] = f"NIK saya {PERSONAL[0]} tidak terdeteksi, hubungi {PERSONAL[1]} atau {PERSONAL[2]}"

    def failing(store: Store):
        raise RuntimeError(
            f"could not parse the review of {PERSONAL[2]} (NIK {PERSONAL[0]}, wa {PERSONAL[1]})"
        )

    stream, log_file = io.StringIO(), tmp_path / "logs" / "suara.jsonl"
    setup_logging(json_file=log_file, stream=stream)
    r = run_nightly(
        s, sources=[replay_task(recs), SourceTask("mpaspor", "twitter", failing)], models_dir=tmp_path
    )
    assert r.exit_code == 1 and r.classified == 5
    written = [stream.getvalue(), log_file.read_text(), r.digest[0].read_text(), r.digest[1].read_text()]
    assert "could not parse the review of [EMAIL]" in written[0] and "[NIK]" in written[2]
    for text in written:
        for value in PERSONAL:
            assert value not in text


# -- backups ------------------------------------------------------------------------------------------
def test_backup_copies_verifies_and_keeps_the_newest(tmp_path):
    db = tmp_path / "suara.duckdb"
    with Store(db) as store:
        store.upsert_feedback(records(0, 3))
    backups = tmp_path / "backups"
    day = utcnow()
    for k in range(1, 5):  # full_every=0: a full copy every night (else increments: tests/test_backup.py)
        backup_database(db, backups, 3, day - timedelta(days=k), full_every=0)
    path = backup_database(db, backups, 3, day, full_every=0)
    names = sorted(p.name for p in backups.iterdir() if p.suffix == ".duckdb")
    assert names == [f"suara-{(day - timedelta(days=k)):%Y-%m-%d}.duckdb" for k in (2, 1, 0)]
    assert sorted(p.name for p in backups.iterdir() if p.suffix == ".json") == [f"{n}.json" for n in names]
    assert query(path, "SELECT count(*) FROM feedback") == [(3,)]
    (tmp_path / "suara.duckdb.wal").write_text("")  # another writer at work: no copy tonight
    assert backup_database(db, backups, 3, day + timedelta(days=1)) is None
    os.remove(tmp_path / "suara.duckdb.wal")
