"""`suara doctor` on real files: a ready installation passes, and each missing piece is named."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from nlp import model as nlp_model
from nlp import train as nlp_train
from suara.cli import app
from suara.doctor import healthy, run_checks
from suara.lock import lock_path_for
from suara.migrations import SCHEMA_VERSION
from suara.store import Store
from suara.taxonomy import load_taxonomy

LABELLED = Path(__file__).resolve().parent.parent / "data" / "labels" / "test.jsonl"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()[:50]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, _ = nlp_train.train(
            [r["text"] for r in rows], [r["labels"] for r in rows], load_taxonomy().ids, folds=2
        )
    return nlp_model.save(model, tmp_path_factory.mktemp("models") / model.version, {"n_train": 50})


@pytest.fixture(autouse=True)
def no_secrets(monkeypatch):
    for key in ("X_BEARER_TOKEN", "SUARA_WEBHOOK_URL", "SUARA_DB", "SUARA_CONFIG"):
        monkeypatch.delenv(key, raising=False)


def ready(tmp_path: Path, model: Path, twitter: bool = True) -> Path:
    """A configuration file and a database with a registered model: what `suara doctor` wants."""
    config = tmp_path / "suara.toml"
    query = '\ntwitter_query = "mpaspor lang:id"' if twitter else ""
    config.write_text(
        textwrap.dedent("""
        [suara]
        db = "suara.duckdb"

        [apps.mpaspor]
        name = "M-Paspor"
        play_package = "id.go.imigrasi.paspor_online"
        appstore_id = "1576336459"
        """)
        + query
        + "\n"
    )
    with Store(tmp_path / "suara.duckdb") as store:
        store.register_model(model.name, str(model), {}, 50)
    return config


def by_name(checks) -> dict:
    return {c.name: c for c in checks}


def test_a_ready_installation_passes(tmp_path, tiny_model, monkeypatch):
    config = ready(tmp_path, tiny_model)
    monkeypatch.setenv("X_BEARER_TOKEN", "a-token-for-the-test")
    monkeypatch.setenv("SUARA_WEBHOOK_URL", "https://hooks.example.com/services/T/B/secret")
    checks = run_checks(config, models_dir=tmp_path / "none")
    c = by_name(checks)
    assert healthy(checks)
    assert c["database"].status == "ok" and f"schema version {SCHEMA_VERSION}" in c["database"].detail
    assert c["model"].status == "ok" and tiny_model.name in c["model"].detail
    assert c["twitter mpaspor"].status == "ok" and c["webhook"].status == "ok"
    assert "secret" not in c["webhook"].detail and "hooks.example.com" in c["webhook"].detail
    result = CliRunner().invoke(app, ["doctor", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "ready for `suara nightly`" in result.output


def test_missing_model_fails_and_says_what_to_do(tmp_path):
    Store(tmp_path / "suara.duckdb").close()
    checks = run_checks(db=tmp_path / "suara.duckdb", models_dir=tmp_path / "no-models")
    model = by_name(checks)["model"]
    assert not healthy(checks) and model.status == "fail" and "suara train" in model.hint


def test_twitter_without_token_is_a_warning_not_a_failure(tmp_path, tiny_model):
    checks = run_checks(ready(tmp_path, tiny_model), models_dir=tmp_path)
    twitter = by_name(checks)["twitter mpaspor"]
    assert healthy(checks) and twitter.status == "warn"
    assert "X_BEARER_TOKEN" in twitter.detail and "--sources play,appstore" in twitter.hint
    checks = run_checks(ready(tmp_path, tiny_model, twitter=False), models_dir=tmp_path)
    assert "twitter mpaspor" not in by_name(checks)


def test_bad_configuration_stops_the_checklist(tmp_path):
    bad = tmp_path / "suara.toml"
    bad.write_text("[suara\n")
    checks = run_checks(bad)
    assert [c.name for c in checks] == ["configuration"] and checks[0].status == "fail"
    assert "not valid TOML" in checks[0].detail
    bad.write_text("[nightly]\nkeep_backups = -1\n")
    assert "keep_backups" in run_checks(bad)[0].detail
    result = CliRunner().invoke(app, ["doctor", "--config", str(bad)])
    assert result.exit_code == 1 and "not ready" in result.output


def test_database_problems(tmp_path, tiny_model):
    fresh = run_checks(db=tmp_path / "new" / "suara.duckdb", models_dir=tiny_model.parent)
    assert by_name(fresh)["database"].status == "warn" and "suara init" in by_name(fresh)["database"].hint
    assert healthy(fresh)

    newer = tmp_path / "newer.duckdb"
    Store(newer).close()
    con = duckdb.connect(str(newer))
    con.execute("INSERT INTO schema_version VALUES (99, now())")
    con.close()
    checks = run_checks(db=newer, models_dir=tiny_model.parent)
    assert (
        by_name(checks)["database"].status == "fail"
        and "newer than this Suara" in by_name(checks)["database"].detail
    )

    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    checks = run_checks(db=junk, models_dir=tiny_model.parent)
    assert not healthy(checks) and by_name(checks)["database"].status == "fail"


def test_a_run_in_progress_is_reported(tmp_path, tiny_model):
    config = ready(tmp_path, tiny_model)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from suara.lock import JobLock; JobLock(sys.argv[1]).acquire(); "
            "print('holding', flush=True); time.sleep(30)",
            str(lock_path_for(tmp_path / "suara.duckdb")),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        lock = by_name(run_checks(config, models_dir=tmp_path))["nightly lock"]
        assert lock.status == "ok" and f"pid {holder.pid}" in lock.detail and "in progress" in lock.detail
    finally:
        holder.kill()
        holder.wait()
    lock = by_name(run_checks(config, models_dir=tmp_path))["nightly lock"]
    assert lock.status == "warn" and "did not finish" in lock.detail
