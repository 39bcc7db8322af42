"""The DuckDB store: migrations, idempotent bulk upserts, revisions, labels, locking."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest
from typer.testing import CliRunner

from suara import migrations
from suara.cli import app
from suara.human_labels import human_labelled, save_human_labels
from suara.migrations import MIGRATIONS, SCHEMA_VERSION
from suara.model_labels import save_model_labels
from suara.store import Store, StoreError, StoreLocked, read_connection
from tests.conftest import make_records, seqs


def test_migrates_from_empty(store):
    assert store.schema_version == SCHEMA_VERSION
    tables = {r[0] for r in store.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for name in ("feedback", "feedback_revisions", "labels", "models", "runs", "source_state", "alerts"):
        assert name in tables


@pytest.mark.parametrize("name", ["s.duckdb", "title.duckdb", "text.db"])
def test_any_file_name_migrates_and_stores(tmp_path, name):
    """DuckDB names a file's catalog after its stem: no migration may read as one (`s.regexp_replace`)."""
    with Store(tmp_path / name) as store:
        assert store.schema_version == SCHEMA_VERSION
        store.upsert_feedback(make_records(3))
        keys = store.con.execute("SELECT count(dup_key) FROM feedback").fetchone()[0]
    assert keys == 3


def test_a_file_without_migrations_is_version_0_whatever_the_caller_holds(tmp_path):
    import pandas as pd

    schema_version = pd.DataFrame({"version": [99]})  # noqa: F841  DuckDB could read a variable by name
    con = duckdb.connect(str(tmp_path / "plain.duckdb"))
    try:
        assert migrations.schema_version(con) == 0
        con.execute("CREATE TABLE t AS SELECT * FROM range(3)")  # the connection is still usable
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 3
    finally:
        con.close()
    with Store(tmp_path / "plain.duckdb") as store:  # and the store migrates it from there
        assert store.schema_version == SCHEMA_VERSION


def test_upgrades_a_file_from_the_previous_version(db_path):
    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    for number, sql in enumerate(MIGRATIONS[:-1], start=1):
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?, now())", [number])
    con.close()
    with Store(db_path) as s:
        assert s.schema_version == SCHEMA_VERSION
        versions = [r[0] for r in s.con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
    assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_refuses_a_newer_file(db_path):
    with Store(db_path) as s:
        s.con.execute("INSERT INTO schema_version VALUES (?, now())", [SCHEMA_VERSION + 1])
    with pytest.raises(StoreError, match="newer than this Suara"):
        Store(db_path)


def test_reimport_is_idempotent(store):
    recs = make_records(50)
    first = store.upsert_feedback(recs)
    before = store.con.execute("SELECT * EXCLUDE (last_seen_at) FROM feedback ORDER BY id").fetchall()
    second = store.upsert_feedback(recs)
    after = store.con.execute("SELECT * EXCLUDE (last_seen_at) FROM feedback ORDER BY id").fetchall()
    assert (first.new, second.new, second.updated, second.unchanged) == (50, 0, 0, 50)
    assert before == after
    assert store.con.execute("SELECT count(*) FROM feedback_revisions").fetchone()[0] == 0


def test_edit_keeps_the_old_text_as_a_revision(store):
    recs = make_records(3)
    store.upsert_feedback(recs)
    recs[1]["text"] = "sudah bisa, terima kasih"
    counts = store.upsert_feedback(recs)
    assert (counts.new, counts.updated, counts.unchanged) == (0, 1, 2)
    assert (
        store.con.execute("SELECT text FROM feedback WHERE id = 'play_store:r1'").fetchone()[0]
        == recs[1]["text"]
    )
    assert store.con.execute("SELECT feedback_id, text FROM feedback_revisions").fetchall() == [
        ("play_store:r1", "aplikasi error terus 1")
    ]


def test_a_reply_whose_date_alone_changed_is_updated(store):
    recs = make_records(2)
    for r in recs:
        r["reply_text"], r["replied_at"] = "Mohon maaf, silakan coba lagi.", "2026-03-02T08:00:00Z"
    store.upsert_feedback(recs)
    recs[0]["replied_at"] = "2026-03-03T09:30:00Z"  # the developer edited the reply: same words, new date
    counts = store.upsert_feedback(recs)
    assert (counts.new, counts.updated, counts.unchanged) == (0, 1, 1)
    stored = store.con.execute("SELECT strftime(replied_at, '%d %H:%M') FROM feedback ORDER BY id").fetchall()
    assert stored == [("03 09:30",), ("02 08:00",)]
    assert store.con.execute("SELECT count(*) FROM feedback_revisions").fetchone()[0] == 0


def test_duplicate_ids_in_one_batch_keep_the_last(store):
    recs = make_records(2) + [dict(make_records(1)[0], text="versi terakhir")]
    counts = store.upsert_feedback(recs)
    assert counts.new == 2
    assert (
        store.con.execute("SELECT text FROM feedback WHERE id = 'play_store:r0'").fetchone()[0]
        == "versi terakhir"
    )


def test_author_is_hashed_never_stored_raw(store):
    store.upsert_feedback(make_records(1))
    row = store.con.execute("SELECT author_hash, raw FROM feedback").fetchone()
    assert row[0] and "Pengguna" not in row[0]
    dump = str(store.con.execute("SELECT * FROM feedback").fetchall())
    assert "Pengguna 0" not in dump


def test_bad_record_in_batch_writes_nothing(store):
    recs = make_records(3)
    recs[2]["rating"] = 9
    with pytest.raises(ValueError, match="rating"):
        store.upsert_feedback(recs)
    assert store.con.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0


def test_human_labels_override_model_labels(store):
    import pyarrow as pa

    store.upsert_feedback(make_records(2))
    classified = pa.table(
        {
            "feedback_id": ["play_store:r0", "play_store:r1"],
            "feedback_seq": seqs(store, ["play_store:r0", "play_store:r1"]),
            "model_version": ["v1", "v1"],
            "content_hash": ["x", "y"],
            "confidence": [0.1, 0.3],
        }
    )
    labels = pa.table(
        {
            "feedback_id": ["play_store:r0", "play_store:r1"],
            "category": ["app_error", "praise"],
            "score": [0.9, 0.8],
            "model_version": ["v1", "v1"],
        }
    )
    save_model_labels(store, classified, labels)
    counts = save_human_labels(
        store,
        [("play_store:r0", ["quota_full", "office_unavailable"], "analis"), ("play_store:r1", [], "analis")],
    )
    assert (counts.labelled, counts.changed, counts.no_category) == (2, 2, 1)
    eff = store.con.execute(
        "SELECT feedback_id, category, origin FROM effective_labels ORDER BY ALL"
    ).fetchall()
    assert eff == [("play_store:r0", "office_unavailable", "human"), ("play_store:r0", "quota_full", "human")]
    assert sorted(human_labelled(store)) == [
        ("play_store:r0", "aplikasi error terus 0", ["office_unavailable", "quota_full"], 1),
        ("play_store:r1", "aplikasi error terus 1", [], 2),
    ]


def test_human_labels_are_saved_all_at_once_or_not_at_all(store):
    store.upsert_feedback(make_records(3))
    save_human_labels(store, [("play_store:r0", ["praise"], "analis")])

    def state():
        return [
            store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("labels", "human_reviews")
        ]

    before = state()
    with pytest.raises(StoreError, match="play_store:nope"):
        save_human_labels(
            store, [("play_store:r1", ["quota_full"], "analis"), ("play_store:nope", [], "analis")]
        )
    with pytest.raises(ValueError, match="twice"):
        save_human_labels(store, [("play_store:r1", [], "analis"), ("play_store:r1", ["praise"], "analis")])
    with pytest.raises(ValueError, match="reviewer"):
        save_human_labels(store, [("play_store:r1", [], "analis"), ("play_store:r2", [], " ")])
    dry = save_human_labels(
        store, [("play_store:r0", ["praise"], "analis"), ("play_store:r1", [], "analis")], dry_run=True
    )
    assert (dry.labelled, dry.changed, dry.no_category) == (2, 0, 1)  # r0 as before; r1 had no labels
    assert state() == before
    done = save_human_labels(
        store,
        [("play_store:r0", ["quota_full", "praise", "praise"], " Budi "), ("play_store:r2", [], "Budi")],
    )
    assert (done.labelled, done.changed, done.no_category) == (2, 1, 1)
    assert store.con.execute(
        "SELECT feedback_id, category, created_by FROM labels WHERE origin = 'human' ORDER BY ALL"
    ).fetchall() == [("play_store:r0", "praise", "Budi"), ("play_store:r0", "quota_full", "Budi")]
    assert store.con.execute("SELECT feedback_id, reviewed_by FROM human_reviews ORDER BY 1").fetchall() == [
        ("play_store:r0", "Budi"),
        ("play_store:r2", "Budi"),
    ]


def test_reader_is_refused_while_a_writer_holds_the_file_then_succeeds(db_path):
    with Store(db_path) as s:
        s.upsert_feedback(make_records(1))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from suara.store import Store; s=Store(sys.argv[1]); print('ready', flush=True); time.sleep(3)",
            str(db_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLocked, match="locked"):
            with read_connection(db_path, wait=0.5):
                pass
        with read_connection(db_path, wait=10) as con:  # waits for the writer to finish
            assert con.execute("SELECT count(*) FROM feedback").fetchone()[0] == 1
    finally:
        holder.wait(timeout=20)


def test_missing_database_gives_a_clear_message(tmp_path):
    with pytest.raises(StoreError, match="does not exist yet"):
        with read_connection(tmp_path / "nope.duckdb"):
            pass


def test_near_duplicates_with_one_decision_train_once(store):
    """A group labelled at once is one training text; near-duplicates decided differently stay apart."""
    from suara.human_labels import human_labelled, save_human_labels

    recs = make_records(4, text="Aplikasi ERROR terus!!! {i}")  # digits aside, one near-duplicate key
    store.upsert_feedback(recs)
    ids = [f"play_store:r{i}" for i in range(4)]
    save_human_labels(store, [(fid, ["app_error"], "analis") for fid in ids[:3]] + [(ids[3], [], "analis")])
    rows = human_labelled(store)
    assert [(fid, cats) for fid, _, cats, _ in rows] == [
        ("play_store:r0", ["app_error"]),
        ("play_store:r3", []),
    ]


def test_a_failing_migration_is_one_line_naming_the_file_and_leaves_it_unchanged(db_path):
    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    for number, sql in enumerate(MIGRATIONS[:4], start=1):
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?, now())", [number])
    con.execute("CREATE TABLE replies (x INTEGER)")  # in the way of migration 5 (replies)
    con.close()
    with pytest.raises(StoreError) as caught:
        Store(db_path)
    message = str(caught.value)
    assert "\n" not in message and str(db_path) in message and "suara init" in message
    assert "schema version 5 failed" in message
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 4
    con.close()
    result = CliRunner().invoke(app, ["reply", "list", "--db", str(db_path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "schema version 5 failed" in " ".join(result.output.split())
