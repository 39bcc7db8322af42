"""Backups as chains (suara/backup.py, suara/backup_increment.py, suara/restore.py): a full copy, then
increments; restore rebuilds the live tables exactly; a broken chain, another schema or an existing
target is refused in one line; retention keeps whole chains; a failed increment leaves nothing behind.
Real DuckDB files, real writers (the nightly, the upsert, the analysts' labels)."""

from __future__ import annotations

import errno
import json
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from reply import workflow
from reply.drafts import load_templates
from suara import backup as backup_mod
from suara import backup_increment as inc
from suara import topic_records
from suara.backup import backup_database
from suara.backup_chain import BackupError, sidecar
from suara.cli import app
from suara.human_labels import save_human_labels
from suara.nightly import run_nightly
from suara.restore import restore_database
from suara.store import Store, utcnow
from suara.taxonomy import load_taxonomy
from tests import test_nightly
from tests.test_nightly import new_db, query, records, replay_task

tiny_model = test_nightly.tiny_model  # the fixture: a real model trained in a second
DAY = utcnow()
HEADLINE = load_taxonomy().headline_ids


@pytest.fixture(autouse=True)
def exact_watermarks(monkeypatch):
    """No overlap margin: in a test every write is within minutes, so the margin would put every row in
    every increment and hide what the increments leave out."""
    monkeypatch.setattr(inc, "MARGIN", timedelta(0))


def checksums(db: Path) -> dict[str, tuple[int, int]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: inc.checksum(con, f'SELECT * FROM "{t}"') for t in inc.tables(con)}
    finally:
        con.close()


def night(s, k: int, tiny_model, recs=(), **kw):
    r = run_nightly(s, sources=[replay_task(list(recs))] if recs else [], as_of=DAY + timedelta(days=k),
                    models_dir=tiny_model.parent, webhook_url="", **kw)  # fmt: skip
    assert r.step("backup").status == "success", r.steps
    return r


def next_second() -> None:
    """Stamps have whole seconds, and a watermark includes its own second: wait for the next one, so that
    an increment's rows are only those written after the backup before it."""
    time.sleep(1.01 - time.time() % 1)


def revised(start: int, n: int) -> list[dict]:
    out = records(start, n)
    for r in out:
        r["text"] = f"aplikasi tidak bisa login, kode otp tidak pernah datang {r['native_id']}"
    return out


def test_full_then_increments_restore_every_table_exactly(tmp_path, tiny_model):
    s = new_db(tmp_path, tiny_model, n=30)
    backups = tmp_path / "backups"
    run_nightly(s, sources=[], models_dir=tiny_model.parent, webhook_url="", keep_backups=0)  # classified
    next_second()
    first = night(s, 0, tiny_model)
    assert first.backup.name == f"suara-{DAY:%Y-%m-%d}.duckdb" and sidecar(first.backup).exists()
    states = {0: checksums(s.db_path)}
    next_second()

    # night 1: five items revised by their authors (new text: revisions kept, labels replaced), ten new
    second = night(s, 1, tiny_model, revised(0, 5) + records(30, 10))
    assert second.backup.name == f"suara-{DAY + timedelta(days=1):%Y-%m-%d}.inc1" and second.classified == 15
    states[1] = checksums(s.db_path)
    manifest = json.loads((second.backup / "manifest.json").read_text())
    assert manifest["tables"]["feedback"]["rows"] == 15  # what changed, not the whole table
    assert manifest["tables"]["feedback"]["total"] == 40 and manifest["schema_version"] == first_schema(s)
    assert manifest["tables"]["labels"]["rows"] < manifest["tables"]["labels"]["total"]
    next_second()

    # night 2: an analyst decides three items (their labels replaced; one gets no category at all)
    ids = [f"play_store:r{i}" for i in (1, 2, 3)]
    with Store(s.db_path) as store:
        save_human_labels(
            store, [(ids[0], ["biaya"], "ana"), (ids[1], [], "ana"), (ids[2], ["login"], "ana")]
        )
    third = night(s, 2, tiny_model)
    assert third.backup.name.endswith(".inc2")
    states[2] = checksums(s.db_path)
    assert query(s.db_path, "SELECT count(*) FROM feedback_revisions") == [(5,)]
    next_second()

    # night 3: a reply posted from Suara (the API's publication time long ago), a topic dismissed
    with Store(s.db_path) as store:
        tpl = load_templates()
        workflow.draft(store, ids[0], "rina", tpl, HEADLINE, text="Mohon maaf, sedang kami perbaiki.")
        workflow.approve(store, ids[0], "budi", tpl)
        (r,) = workflow.to_send(store)
        workflow.claim(store, r, "budi")
        workflow.record_sent(store, r, "budi", r.text, datetime(2026, 3, 5, 9))
        topic = store.con.execute("SELECT min(topic_id) FROM topics").fetchall()[0][0]
        if topic:
            topic_records.dismiss(store, topic, "ana")
    assert night(s, 3, tiny_model).backup.name.endswith(".inc3")
    states[3] = checksums(s.db_path)

    for k, state in states.items():
        out = tmp_path / f"restored-{k}.duckdb"
        done = restore_database(backups, "suara", out, (DAY + timedelta(days=k)).date())
        assert len(done.chain.increments) == k
        assert checksums(out) == state, f"day {k}"
    assert (
        query(
            tmp_path / "restored-2.duckdb",
            f"SELECT category FROM effective_labels WHERE feedback_id = '{ids[1]}'",
        )
        == []
    )
    assert query(
        tmp_path / "restored-2.duckdb",
        "SELECT count(*) FROM feedback WHERE text LIKE 'aplikasi tidak bisa login%'",
    ) == [(5,)]
    reply = f"SELECT reply_text FROM feedback WHERE id = '{ids[0]}'"
    assert query(tmp_path / "restored-3.duckdb", reply) == [("Mohon maaf, sedang kami perbaiki.",)]

    # a restored file carries on: the next run id follows the restored ones
    with Store(tmp_path / "restored-3.duckdb") as store:
        assert (
            store.start_run("nightly") == max(r[0] for r in query(s.db_path, "SELECT run_id FROM runs")) + 1
        )


def first_schema(s) -> int:
    return query(s.db_path, "SELECT max(version) FROM schema_version")[0][0]


def test_a_broken_chain_another_schema_or_an_existing_target_is_refused_in_one_line(tmp_path, tiny_model):
    s = new_db(tmp_path, tiny_model, n=10)
    backups = tmp_path / "backups"
    for k in range(3):
        night(s, k, tiny_model, records(10 + k, 1))
    shutil.rmtree(next(backups.glob("*.inc1")))
    target = tmp_path / "restored.duckdb"
    with pytest.raises(BackupError, match="chain is broken: suara-.*inc2 cannot be restored"):
        restore_database(backups, "suara", target)
    cli = ["restore", "--db", str(s.db_path), "--to", str(target)]
    result = CliRunner().invoke(app, cli)
    assert result.exit_code == 2 and "chain is broken" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and not target.exists()
    assert list(tmp_path.glob(".restored*")) == []
    assert CliRunner().invoke(app, [*cli, "--day", f"{DAY:%Y-%m-%d}"]).exit_code == 0  # the full copy alone
    result = CliRunner().invoke(app, [*cli, "--day", f"{DAY:%Y-%m-%d}"])
    assert result.exit_code == 1 and "already exists" in result.output
    assert CliRunner().invoke(app, [*cli, "--day", "yesterday"]).exit_code == 1

    full = next(backups.glob("suara-*.duckdb"))
    meta = json.loads(sidecar(full).read_text())
    sidecar(full).write_text(json.dumps(meta | {"schema_version": meta["schema_version"] - 1}))
    other = [
        "restore",
        "--db",
        str(s.db_path),
        "--to",
        str(tmp_path / "other.duckdb"),
        "--day",
        f"{DAY:%Y-%m-%d}",
    ]
    result = CliRunner().invoke(app, other)
    assert result.exit_code == 2 and "schema version" in result.output and "Traceback" not in result.output


def test_a_damaged_increment_is_refused(tmp_path, tiny_model):
    s = new_db(tmp_path, tiny_model, n=10)
    for k in range(2):
        night(s, k, tiny_model, records(10 + k, 3))
    feedback = next((tmp_path / "backups").glob("*.inc1")) / "feedback.parquet"
    feedback.write_bytes(feedback.read_bytes()[:-40])
    with pytest.raises(BackupError, match="feedback.parquet"):
        restore_database(tmp_path / "backups", "suara", tmp_path / "r.duckdb")
    assert not (tmp_path / "r.duckdb").exists()
    (feedback.parent / "manifest.json").write_text("{not json")  # the newest increment unreadable
    with pytest.raises(BackupError, match="chain is broken"):
        restore_database(tmp_path / "backups", "suara", tmp_path / "r.duckdb")


def test_retention_keeps_whole_chains(tmp_path):
    db = tmp_path / "suara.duckdb"
    backups = tmp_path / "backups"
    counts = {}
    for k in range(8):  # full copies on days 0, 3 and 6; one new item a day
        with Store(db) as store:
            store.upsert_feedback(records(k, 1))
        path = backup_database(db, backups, 3, DAY + timedelta(days=k), full_every=3)
        assert path.suffix == (".duckdb" if k % 3 == 0 else f".inc{k % 3}")
        counts[k] = k + 1
    day = lambda k: f"{DAY + timedelta(days=k):%Y-%m-%d}"  # noqa: E731
    # the newest three are inc5, the full of day 6 and inc7: inc5 needs the full of day 3 and inc4
    assert sorted(p.name for p in backups.iterdir()) == sorted(
        [f"suara-{day(3)}.duckdb", f"suara-{day(3)}.duckdb.json", f"suara-{day(4)}.inc1", f"suara-{day(5)}.inc2",
         f"suara-{day(6)}.duckdb", f"suara-{day(6)}.duckdb.json", f"suara-{day(7)}.inc1"]
    )  # fmt: skip
    for k in range(3, 8):
        out = tmp_path / f"r{k}.duckdb"
        restore_database(backups, "suara", out, (DAY + timedelta(days=k)).date())
        assert query(out, "SELECT count(*) FROM feedback") == [(counts[k],)]
    with pytest.raises(BackupError, match="from .* or earlier"):
        restore_database(backups, "suara", tmp_path / "r2.duckdb", (DAY + timedelta(days=2)).date())


def test_a_failed_increment_leaves_nothing_and_fails_the_run(tmp_path, tiny_model, monkeypatch):
    s = new_db(tmp_path, tiny_model, n=10)
    backups = tmp_path / "backups"
    night(s, 0, tiny_model)
    before = sorted(p.name for p in backups.iterdir())

    def full_disk(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(backup_mod, "write_json", full_disk)  # after the parquet files were written
    r = run_nightly(s, sources=[replay_task(records(10, 2))], as_of=DAY + timedelta(days=1),
                    models_dir=tiny_model.parent, webhook_url="")  # fmt: skip
    assert (
        r.exit_code == 1
        and r.step("backup").status == "failed"
        and "No space left" in r.step("backup").message
    )
    assert sorted(p.name for p in backups.iterdir()) == before  # no .partial, no half increment
    status, message = query(
        s.db_path, "SELECT status, message FROM runs WHERE job = 'nightly' ORDER BY run_id DESC"
    )[0]
    assert status == "failed" and "backup failed" in message
    monkeypatch.undo()
    monkeypatch.setattr(inc, "MARGIN", timedelta(0))
    again = night(s, 1, tiny_model)  # the next night's increment covers the failed night's rows too
    assert again.backup.name.endswith(".inc1")
    restore_database(backups, "suara", tmp_path / "r.duckdb")
    assert checksums(tmp_path / "r.duckdb") == checksums(s.db_path)


def test_the_schedule_takes_a_full_copy_when_due(tmp_path):
    db = tmp_path / "suara.duckdb"
    with Store(db) as store:
        store.upsert_feedback(records(0, 3))
    backups = tmp_path / "backups"
    assert backup_database(db, backups, 7, DAY).suffix == ".duckdb"
    assert backup_database(db, backups, 7, DAY).suffix == ".inc1"  # a second run the same day
    assert backup_database(db, backups, 7, DAY + timedelta(days=7)).suffix == ".duckdb"  # a week on
    assert backup_database(db, backups, 7, DAY + timedelta(days=8), full_every=0).suffix == ".duckdb"
    sidecar(backups / f"suara-{DAY + timedelta(days=8):%Y-%m-%d}.duckdb").unlink()  # an older Suara's copy
    assert backup_database(db, backups, 7, DAY + timedelta(days=9)).suffix == ".duckdb"


def test_every_backup_file_is_on_disk_before_it_is_renamed_into_place(tmp_path, monkeypatch):
    """A full copy and an increment: each file (the copy, the parquet files, the manifests) is fsynced
    before the rename that makes it part of a backup, and the backups directory after the last rename
    (the renames themselves). Files are followed by inode: a manifest is synced under its temporary name."""
    import os

    db = tmp_path / "suara.duckdb"
    with Store(db) as store:
        store.upsert_feedback(records(0, 3))
    backups = tmp_path / "backups"
    events: list[tuple[str, int]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.fstat(fd).st_ino))
        real_fsync(fd)

    def replace(src, dst):
        inodes = [os.stat(src).st_ino]
        if os.path.isdir(src):
            inodes += [p.stat().st_ino for p in Path(src).iterdir()]
        events.extend(("rename", ino) for ino in inodes)
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    for expect in (".duckdb", ".inc1"):
        events.clear()
        assert backup_database(db, backups, 7, DAY).suffix == expect
        first_sync = {}
        for i, (kind, ino) in enumerate(events):
            if kind == "fsync":
                first_sync.setdefault(ino, i)
            else:
                assert first_sync.get(ino, i) < i, (expect, events)  # renamed before it was flushed
        last_rename = max(i for i, (kind, _) in enumerate(events) if kind == "rename")
        directory = backups.stat().st_ino
        assert any(k == "fsync" and ino == directory for k, ino in events[last_rename:]), events
