"""Broken setups (issue 17 item 11): the real CLI on temp stores gets one clear line, never a traceback.

Each case breaks something real: a database cut short or scribbled over (in the very block that holds
the feedback rows, found with DuckDB's storage_info), a model file cut short or garbled, a suara.toml
with values of the wrong type, a read-only data directory (a read-only bind mount), a full disk
(RLIMIT_FSIZE for import and classify; a tiny tmpfs for the backups directory, a real ENOSPC), a lock
left by a dead process. The harness is tests/faults.py.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from pathlib import Path

import duckdb
import pytest

from nlp import model as nlp_model
from nlp import train as nlp_train
from suara.lock import lock_path_for
from suara.store import Store
from suara.taxonomy import load_taxonomy
from tests.conftest import make_records
from tests.faults import assert_no_traceback, assert_one_line_error, counts, mounts_available, suara

LABELLED = Path(__file__).resolve().parent.parent / "data" / "labels" / "test.jsonl"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()[:50]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, _ = nlp_train.train(
            [r["text"] for r in rows], [r["labels"] for r in rows], load_taxonomy().ids, folds=2
        )
    return nlp_model.save(model, tmp_path_factory.mktemp("models") / model.version, {"n_train": 50})


def seeded(path: Path, n: int = 300, model: Path | None = None) -> Path:
    """A database with ``n`` feedback rows (and ``model`` registered as current), checkpointed."""
    with Store(path) as store:
        store.upsert_feedback(make_records(n))
        if model is not None:
            store.register_model(model.name, str(model), {}, 50)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def feedback_block(db: Path) -> int:
    """Byte offset of the block that holds the feedback table's id column."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        block = con.execute(
            "SELECT min(block_id) FROM pragma_storage_info('feedback') WHERE column_name = 'id' AND block_id >= 0"
        ).fetchall()[0][0]
        size = con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0]
    finally:
        con.close()
    return 3 * 4096 + block * size


def jsonl(path: Path, n: int, start: int = 0) -> Path:
    recs = make_records(n + start)[start:]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


# -- a damaged database ----------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["truncated", "scribbled"])
def test_a_damaged_database_is_named_by_doctor_and_refused_by_status_and_import(tmp_path, damage):
    db = seeded(tmp_path / "suara.duckdb")
    offset = feedback_block(db)
    if damage == "truncated":
        with db.open("r+b") as fh:
            fh.truncate(offset)
    else:
        with db.open("r+b") as fh:
            fh.seek(offset + 100)
            fh.write(b"\xde\xad" * 32)
    before = digest(db)

    doctor = suara("doctor", "--db", db)
    assert_no_traceback(doctor)
    assert doctor.code == 1 and "FAIL database" in doctor.stdout and "damaged" in doctor.stdout
    assert "backups/" in doctor.stdout and "not ready" in doctor.stdout

    assert_one_line_error(suara("status", "--db", db), code=2, mentions=["damaged", "suara doctor"])
    new = jsonl(tmp_path / "new.jsonl", 5, start=1000)
    assert_one_line_error(suara("import", new, "--db", db), code=2, mentions=["damaged", str(db.name)])
    assert digest(db) == before and not db.with_name(db.name + ".wal").exists()  # nothing written


@pytest.mark.parametrize(
    "content", [b"", b"not a database at all\n" * 50, "directory"], ids=["empty", "text", "directory"]
)
def test_a_file_that_is_no_database_gets_one_line(tmp_path, content):
    db = tmp_path / "suara.duckdb"
    if content == "directory":
        db.mkdir()
    else:
        db.write_bytes(content)
    for args in (["status"], ["import", jsonl(tmp_path / "a.jsonl", 3)], ["init"], ["classify"]):
        assert_one_line_error(suara(*args, "--db", db), code=2, mentions=[db.name])
    doctor = suara("doctor", "--db", db)
    assert_no_traceback(doctor)
    assert doctor.code == 1 and "FAIL database" in doctor.stdout


def test_a_database_from_a_newer_schema_is_refused_without_a_change(tmp_path):
    db = seeded(tmp_path / "suara.duckdb", 20)
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO schema_version VALUES (99, now())")
    con.close()
    before = counts(db)
    for args in (["status"], ["import", jsonl(tmp_path / "a.jsonl", 3, 500)], ["classify"], ["init"]):
        assert_one_line_error(suara(*args, "--db", db), code=2, mentions=["newer", "upgrade suara"])
    doctor = suara("doctor", "--db", db)
    assert doctor.code == 1 and "upgrade Suara" in doctor.stdout
    assert counts(db) == before


def test_a_database_path_below_a_file_gets_one_line(tmp_path):
    (tmp_path / "afile").write_text("x")
    assert_one_line_error(
        suara("init", "--db", tmp_path / "afile" / "suara.duckdb"), code=2, mentions=["afile"]
    )


# -- a damaged model -------------------------------------------------------------------------------
def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


DAMAGE = {
    "npz truncated": (nlp_model.MODEL_FILE, _truncate),
    "npz empty": (nlp_model.MODEL_FILE, lambda p: p.write_bytes(b"")),
    "npz garbage": (nlp_model.MODEL_FILE, lambda p: p.write_bytes(bytes(range(256)) * 400)),
    "metrics truncated": (nlp_model.META_FILE, _truncate),
    "metrics not utf-8": (nlp_model.META_FILE, lambda p: p.write_bytes(b"\xff\xfe{garbage")),
    "metrics without fields": (nlp_model.META_FILE, lambda p: p.write_text('{"format": 2}')),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_model_file_is_named_with_what_to_do(tmp_path, model_dir, case):
    broken = shutil.copytree(model_dir, tmp_path / "models" / model_dir.name)
    name, spoil = DAMAGE[case]
    spoil(broken / name)
    db = seeded(tmp_path / "suara.duckdb", 50, model=broken)
    before = counts(db)
    line = assert_one_line_error(suara("classify", "--db", db), code=2, mentions=[name, "suara train"])
    assert str(broken) in line
    assert counts(db) == before  # no run row, no labels
    (tmp_path / "in.jsonl").write_text('{"id": "1", "text": "otp tidak masuk"}\n')
    out = tmp_path / "out.jsonl"
    assert_one_line_error(
        suara("predict", "--in", tmp_path / "in.jsonl", "--out", out, "--db", db), code=2, mentions=[name]
    )
    assert not out.exists()
    doctor = suara("doctor", "--db", db)
    assert doctor.code == 1 and "FAIL model" in doctor.stdout and name in doctor.stdout


# -- configuration ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "toml, key",
    [
        ("[suara]\ndb = 5\n", "db"),
        ('[suara]\ndb = ""\n', "db"),
        ("[suara]\nlog_file = 3\n", "log_file"),
        ('[alerts]\nmin_count = "x"\n', "min_count"),
        ("alerts = 5\n", "alerts"),
        ("apps = 3\n", "apps"),
        ('[apps.x]\nappstore_countries = "id"\n', "appstore_countries"),
        ("[apps.x]\nplay_package = 5\n", "play_package"),
        ("[nightly]\nbackups_dir = 5\n", "backups_dir"),
        ("[suara\n", "not valid TOML"),
    ],
)
def test_invalid_configuration_values_get_one_line_naming_the_key(tmp_path, toml, key):
    (tmp_path / "suara.toml").write_text(toml)
    db = seeded(tmp_path / "suara.duckdb", 5)
    if key == "backups_dir":  # read by the nightly and doctor only
        result = suara("nightly", "--db", db, cwd=tmp_path)
    else:
        result = suara("status", "--db", db, cwd=tmp_path)
    assert_one_line_error(result, code=2, mentions=["suara.toml", key])
    doctor = suara("doctor", "--db", db, cwd=tmp_path)
    assert_no_traceback(doctor)
    assert doctor.code == 1 and "FAIL configuration" in doctor.stdout and key in doctor.stdout


# -- the machine: read-only, full disk, a dead lock holder -----------------------------------------
QUIET_CONFIG = '[suara]\ndb = "suara.duckdb"\n[apps.quiet]\nname = "Quiet"\n'  # an app without sources


@pytest.mark.skipif(not mounts_available(), reason="needs a private mount namespace (unshare)")
def test_a_read_only_data_directory(tmp_path):
    data = tmp_path / "data"
    db = seeded(data / "suara.duckdb", 40)
    before = counts(db)
    nightly = suara("nightly", "--db", db, readonly=[data])
    assert_one_line_error(nightly, code=2, mentions=["read-only", "nightly.lock"])
    status = suara("status", "--db", db, readonly=[data])
    assert status.code == 0, status.output
    assert "play_store" in status.stdout and "40" in status.stdout
    doctor = suara("doctor", "--db", db, readonly=[data])
    assert doctor.code == 1 and "FAIL database writable" in doctor.stdout
    assert_one_line_error(
        suara("import", jsonl(tmp_path / "a.jsonl", 3, 900), "--db", db, readonly=[data]),
        code=2,
        mentions=["read-only"],
    )
    assert counts(db) == before


def test_a_full_disk_fails_import_with_one_line_and_keeps_the_data(tmp_path):
    db = seeded(tmp_path / "suara.duckdb", 20)
    before = counts(db)
    big = jsonl(tmp_path / "big.jsonl", 3000, start=100)
    result = suara("import", big, "--db", db, fsize_limit=64_000)
    assert_one_line_error(result, code=2, mentions=["disk is full"])
    after = counts(db)
    assert {k: v for k, v in after.items() if k != "runs"} == {k: v for k, v in before.items() if k != "runs"}
    assert suara("import", big, "--db", db).code == 0  # space again: the same file loads
    assert counts(db)["feedback"] == 3020


def test_a_full_disk_fails_classify_with_one_line_and_records_the_run_failed(tmp_path, model_dir):
    db = seeded(tmp_path / "suara.duckdb", 3000, model=model_dir)
    before = counts(db)
    result = suara("classify", "--db", db, fsize_limit=64_000)
    assert_one_line_error(result, code=2, mentions=["disk is full"])
    after = counts(db)
    assert after["classifications"] == before["classifications"] == 0 and after["labels"] == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT job, status FROM runs ORDER BY run_id DESC LIMIT 1").fetchall() == [
        ("classify", "failed")
    ]
    con.close()


@pytest.mark.skipif(not mounts_available(), reason="needs a private mount namespace (unshare)")
def test_a_backup_on_a_full_disk_leaves_no_partial_and_fails_the_run(tmp_path, model_dir):
    (tmp_path / "suara.toml").write_text(QUIET_CONFIG + '[nightly]\nbackups_dir = "backups"\n')
    db = seeded(tmp_path / "suara.duckdb", 200, model=model_dir)
    backups = tmp_path / "backups"
    backups.mkdir()
    result = suara("nightly", cwd=tmp_path, tmpfs={backups: 64 * 1024})
    assert_no_traceback(result)
    assert result.code == 1, result.output
    assert result.leftovers[backups.resolve()] == []  # no .partial, no .wal of one
    con = duckdb.connect(str(db), read_only=True)
    status, message = con.execute(
        "SELECT status, message FROM runs WHERE job = 'nightly' ORDER BY run_id DESC LIMIT 1"
    ).fetchall()[0]
    classified = con.execute("SELECT count(*) FROM classifications").fetchall()[0][0]
    con.close()
    assert status == "failed" and "backup failed" in message and "No space left" in message
    assert classified == 200 and counts(db)["feedback"] == 200  # the night's work is kept


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path, model_dir):
    (tmp_path / "suara.toml").write_text(QUIET_CONFIG)
    db = seeded(tmp_path / "suara.duckdb", 30, model=model_dir)
    lock = lock_path_for(db)
    lock.write_text(json.dumps({"pid": 999_999_999, "host": "gone", "started_at": "2026-01-01 00:00:00"}))
    doctor = suara("doctor", cwd=tmp_path)
    assert "did not finish" in doctor.stdout
    result = suara("nightly", cwd=tmp_path)
    assert_no_traceback(result)
    assert result.code == 0, result.output
    assert "stale nightly lock" in result.output and counts(db)["classifications"] == 30


def test_a_directory_in_place_of_the_lock_file_gets_one_line(tmp_path):
    (tmp_path / "suara.toml").write_text(QUIET_CONFIG)
    db = seeded(tmp_path / "suara.duckdb", 5)
    lock_path_for(db).mkdir()
    assert_one_line_error(suara("nightly", cwd=tmp_path), code=2, mentions=["lock file", "directory"])
