# ruff: noqa: F811 (topic_db and hook_url are fixtures imported from their test modules)
"""Recorded topics and the analysts' decisions (suara/topic_records.py) end to end: `suara topics
--record`, `suara topics dismiss|merge|promote`, the promoted category in `suara status`, the exports,
the labelling queue and training, the taxonomy's additions file, and the nightly step's alert.

The store is tests/test_topics.py's: nine weeks of invented themes, the "biaya percepatan" fee theme
only in the last week (with phone numbers that must never show).
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from suara import topic_records
from suara.cli import app
from suara.config import MPASPOR, Settings
from suara.nightly import run_nightly
from suara.review_queue import review_queue
from suara.store import Store
from suara.taxonomy import TaxonomyError, add_category, load_taxonomy
from suara.training import trained_categories
from tests.test_nightly import Hook, hook_url  # noqa: F401 (the webhook fixture)
from tests.test_topics import UNTIL, topic_db  # noqa: F401 (the store fixture)

runner = CliRunner()
TOPIC_ID = re.compile(r"\bt[0-9a-f]{10}\b")


@pytest.fixture
def local(tmp_path, monkeypatch) -> Path:
    """The taxonomy's additions file of this test (never the checkout's data/)."""
    path = tmp_path / "taxonomy.local.toml"
    monkeypatch.setenv("SUARA_TAXONOMY_LOCAL", str(path))
    return path


@pytest.fixture
def no_models(tmp_path) -> Path:
    path = tmp_path / "models"
    path.mkdir()
    return path


def cli(*args) -> str:
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def sql(db: Path, query: str, params=None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def recorded(db: Path, models: Path) -> dict[str, str]:
    """`suara topics --record`: {topic id: its heading line}."""
    out = cli("topics", "--db", db, "--k", "4", "--models-dir", models, "--record")
    heads = [line for line in out.splitlines() if line.startswith("#")]
    return {TOPIC_ID.search(h).group(0): h for h in heads}


def test_recording_twice_updates_the_same_topics(topic_db, no_models):
    out = cli("topics", "--db", topic_db, "--k", "4", "--models-dir", no_models)
    assert "not recorded" in out and not TOPIC_ID.search(out)  # reading records nothing
    first = recorded(topic_db, no_models)
    assert len(first) == 4 and sql(topic_db, "SELECT count(*) FROM topics") == [(4,)]
    assert recorded(topic_db, no_models) == first
    assert sql(topic_db, "SELECT count(*), sum(size) FROM topics") == [(4, 113)]
    assert sql(topic_db, "SELECT count(*) FROM topic_members") == [(113,)]


def test_promote_from_the_cli_reaches_status_exports_queue_and_training(topic_db, no_models, local, tmp_path):
    heads = recorded(topic_db, no_models)
    fee = next(tid for tid, h in heads.items() if "biaya" in h)
    out = cli(
        "topics", "promote", fee, "--id", "biaya_percepatan", "--label-id", "Biaya percepatan",
        "--label-en", "Expedite fee", "--description", "Asked to pay an unofficial fee to speed up.",
        "--by", "rina", "--db", topic_db,
    )  # fmt: skip
    assert "14 texts labelled" in out and "not enough examples yet: 14/20" in out
    tax = load_taxonomy()
    added = tax.get("biaya_percepatan")
    assert tax.version == "1+1" and added.added_by == "rina" and added.added_at.startswith("20")
    assert not added.headline and len(tax.headline_ids) == 6
    assert sql(
        topic_db, "SELECT count(*) FROM labels WHERE origin = 'human' AND category = 'biaya_percepatan'"
    ) == [(14,)]
    assert sql(topic_db, "SELECT status, category, decided_by FROM topics WHERE topic_id = ?", [fee]) == [
        ("promoted", "biaya_percepatan", "rina")
    ]
    status = cli("status", "--db", topic_db)
    assert "taxonomy: version 1+1, 14 categories (1 added by analysts)" in status
    line = next(x for x in status.splitlines() if "biaya_percepatan" in x)
    ready = topic_records.readiness(duckdb.connect(str(topic_db), read_only=True), "biaya_percepatan")
    assert 0 < ready <= 14 and f"not trained yet: {ready}/20 examples" in line and "rina" in line
    export = tmp_path / "out.csv"
    cli("export", export, "--db", topic_db)
    rows = list(csv.DictReader(export.open(encoding="utf-8")))
    fee_rows = [r for r in rows if "biaya_percepatan" in (r["categories"] or "")]
    assert len(fee_rows) == 14 and not any("0812" in r["text"] for r in rows)
    # the fee texts are decided now: no longer candidates, and the topic is not offered again
    again = runner.invoke(app, ["topics", "promote", fee, "--id", "other_fee", "--label-id", "x",
                                "--label-en", "x", "--description", "x", "--by", "rina", "--db", str(topic_db)])  # fmt: skip
    assert again.exit_code == 1 and "already promoted" in again.output and "Traceback" not in again.output
    # training learns the category only from 20 examples on
    assert "biaya_percepatan" not in trained_categories(tax, [["biaya_percepatan"]] * 19)
    assert "biaya_percepatan" in trained_categories(tax, [["biaya_percepatan"]] * 20)


def test_merge_proposes_the_category_in_the_labelling_queue_and_dismiss_hides(topic_db, no_models, local):
    heads = recorded(topic_db, no_models)
    puzzle = next(tid for tid, h in heads.items() if "captcha" in h or "puzzle" in h)
    deed = next(tid for tid, h in heads.items() if "akta" in h)
    out = cli("topics", "merge", puzzle, "account_login", "--by", "rina", "--db", topic_db)
    assert "36 texts proposed" in out
    assert sql(topic_db, "SELECT count(*) FROM label_proposals WHERE category = 'account_login'") == [(36,)]
    assert sql(topic_db, "SELECT count(*) FROM labels WHERE origin = 'human'") == [
        (0,)
    ]  # nothing decided yet
    with duckdb.connect(str(topic_db), read_only=True) as con:
        queue = review_queue(con, n=5)
    assert list(queue.iloc[0]["proposed"]) == ["account_login"]
    assert all(list(p) == ["account_login"] for p in queue["proposed"])  # proposed groups come first
    cli("topics", "dismiss", deed, "--by", "rina", "--db", topic_db)
    listing = cli("topics", "--db", topic_db, "--k", "4", "--models-dir", no_models)
    assert "[dismissed]" in next(h for h in listing.splitlines() if deed in h)
    assert "[merged account_login]" in next(h for h in listing.splitlines() if puzzle in h)


def test_bad_decisions_are_one_line_errors_and_change_nothing(topic_db, no_models, local):
    heads = recorded(topic_db, no_models)
    tid = next(iter(heads))
    for args, says in [
        (["dismiss", "t0000000000", "--by", "rina"], "no recorded topic"),
        (["merge", tid, "no_such", "--by", "rina"], "unknown category"),
        (["dismiss", tid, "--by", " "], "say who decides"),
        (["promote", tid, "--id", "app_error", "--label-id", "x", "--label-en", "x", "--description", "x",
          "--by", "rina"], "exists already"),
        (["promote", tid, "--id", "Bad Id", "--label-id", "x", "--label-en", "x", "--description", "x",
          "--by", "rina"], "lowercase"),
    ]:  # fmt: skip
        res = runner.invoke(app, ["topics", *args, "--db", str(topic_db)])
        assert res.exit_code == 1 and says in res.output and "Traceback" not in res.output, res.output
    assert not local.exists()
    assert sql(topic_db, "SELECT count(*) FROM topics WHERE status <> 'new'") == [(0,)]


def test_the_additions_file_only_adds(local):
    add_category("biaya_percepatan", "Biaya percepatan", "Expedite fee", "A fee.", "rina", local=local)
    text = local.read_text(encoding="utf-8")
    local.write_text(text.replace("complaint = true", "complaint = true\nheadline = true"), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="headline six are fixed"):
        load_taxonomy()
    local.write_text(text.replace('id = "biaya_percepatan"', 'id = "quota_full"'), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=f"{local.name}.*exists already"):
        load_taxonomy()
    local.write_text(text, encoding="utf-8")
    assert load_taxonomy().added_ids == ["biaya_percepatan"]


def test_the_nightly_step_records_topics_and_alerts_once_through_the_webhook(
    topic_db,
    tmp_path,
    local,
    hook_url,  # noqa: F811
):
    db = tmp_path / "night.duckdb"
    shutil.copy(topic_db, db)
    s = Settings(db_path=db, apps=(MPASPOR,))
    Hook.status = 200
    r = run_nightly(
        s, sources=[], as_of=UNTIL, webhook_url=hook_url, models_dir=tmp_path / "none", keep_backups=0
    )
    step = r.step("topics")
    assert step.status == "success" and "1 alert(s)" in step.message, step.message
    topic_alerts = [a for a in r.new_alerts if a.kind == "topic_new"]
    assert len(topic_alerts) == 1 and "biaya" in topic_alerts[0].message
    assert len(Hook.received) == 1 and "New topic growing" in Hook.received[0]["text"]
    assert "0812" not in Hook.received[0]["text"]
    assert sql(db, "SELECT count(*) FROM topics WHERE growing") == [(1,)]
    r = run_nightly(
        s, sources=[], as_of=UNTIL, webhook_url=hook_url, models_dir=tmp_path / "none", keep_backups=0
    )
    assert [a for a in r.new_alerts if a.kind == "topic_new"] == []  # the same episode: no second alert
    assert sql(db, "SELECT count(*) FROM alerts WHERE kind = 'topic_new'") == [(1,)]
    # a dismissed theme found again is not alerted on
    fee = sql(db, "SELECT topic_id FROM topics WHERE growing")[0][0]
    with Store(db) as store:
        topic_records.dismiss(store, fee, "rina")
        store.con.execute("DELETE FROM alerts")
    message = topic_records.nightly_step(lambda: Store(db), 5, UNTIL)
    assert "0 alert(s)" in message
