"""Fault cases of `suara import` (issue 17, items 8-10; issue 16, item 8), each through the real CLI on a
temp store: the exit code, one error line (never a traceback), the feedback rows before and after, and
the import's runs row closed as failed.

A store holding ``BASE`` rows is imported once per test; each case then imports a bad file or a bad
argument and must leave those rows exactly as they were.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from suara.cli import app as cli

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
GOOD = {
    "source": "play_store",
    "app_id": "mpaspor",
    "text": "aplikasi error",
    "created_at": "2024-05-01T08:00:00Z",
}
BASE = 3


def line(**change) -> str:
    return json.dumps({**GOOD, "native_id": "bad", **change}, ensure_ascii=False)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A store holding BASE rows, imported once through the CLI; each test gets a copy."""
    folder = tmp_path_factory.mktemp("template")
    db, base = folder / "suara.duckdb", folder / "base.jsonl"
    base.write_text(
        "".join(json.dumps({**GOOD, "native_id": f"b{i}"}) + "\n" for i in range(BASE)), encoding="utf-8"
    )
    assert runner.invoke(cli, ["import", str(base), "--db", str(db)]).exit_code == 0
    return db


@pytest.fixture
def store(template, tmp_path):
    db = tmp_path / "suara.duckdb"
    shutil.copy(template, db)
    return db


def query(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def snapshot(db: Path):
    return query(db, "SELECT id, text, content_hash, last_seen_at FROM feedback ORDER BY id")


def refused(db: Path, *args, code: int = 1, runs: str | None = "failed") -> str:
    """Run `suara import ...`; assert the refusal and that the store is untouched; return the error line."""
    before, runs_before = snapshot(db), query(db, "SELECT count(*) FROM runs")[0][0]
    result = runner.invoke(cli, ["import", *map(str, args), "--db", str(db)])
    assert isinstance(result.exception, SystemExit), result.exception  # a handled error, not a traceback
    assert result.exit_code == code, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert snapshot(db) == before and len(before) == BASE
    last = query(db, "SELECT count(*), any_value(status ORDER BY run_id DESC), "
                     "any_value(message ORDER BY run_id DESC) FROM runs")[0]  # fmt: skip
    if runs is None:  # refused before the database was opened: no run
        assert last[0] == runs_before
    else:
        assert last[0] == runs_before + 1 and last[1] == runs and last[2] and "\n" not in last[2]
    return lines[0]


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


# -- 17.8: values outside what a record may hold, rejected per line ----------------------------------
@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"created_at": "1999-12-31T23:59:59Z"}, "outside 2000-01-01"),
        ({"created_at": "9999-12-31T00:00:00Z"}, "outside 2000-01-01"),
        ({"created_at": True}, "'created_at' is True"),
        ({"created_at": -1}, "outside 2000-01-01"),
        ({"created_at": 1e20}, "'created_at' is 1e+20"),
        ({"replied_at": "0001-01-01T00:00:00Z"}, "'replied_at'"),
        ({"rating": 3.7}, "'rating' is 3.7"),
        ({"rating": True}, "'rating' is True"),
        ({"rating": 0}, "'rating' is 0"),
        ({"likes": -1}, "'likes' is -1"),
        ({"likes": 1e12}, "'likes' is 1,000,000,000,000"),
        ({"text": ""}, "'text' is missing or empty"),
        ({"text": "   "}, "'text' is '   '"),
        ({"text": 12}, "'text' is 12"),
        ({"text": ["a"]}, "'text' is ['a']"),
    ],
)
def test_a_bad_value_is_named_by_line_and_nothing_is_stored(store, tmp_path, change, says):
    path = write(
        tmp_path, "bad.jsonl", json.dumps({**GOOD, "native_id": "ok1"}) + "\n" + line(**change) + "\n"
    )
    message = refused(store, path)
    assert "line 2" in message and says in message and "nothing was imported" in message


def test_a_future_date_in_a_mapped_csv_is_refused_too(store, tmp_path):
    path = write(
        tmp_path, "x.csv", "rid,isi,tgl\nm1,ok,2024-01-01T00:00:00Z\nm2,masa depan,2999-01-01T00:00:00Z\n"
    )
    message = refused(store, path, "--map", "native_id=rid,text=isi,created_at=tgl,source:=play_store")
    assert "line 3" in message and "outside" in message


# -- 17.9: encodings and overflow, with and without --skip-bad ----------------------------------------
def test_invalid_utf8_in_jsonl_is_a_numbered_bad_line(store, tmp_path):
    data = (
        (json.dumps({**GOOD, "native_id": "u1"}) + "\n").encode()
        + line(text="caf\udce9").encode("utf-8", "surrogateescape")
        + b"\n"
    )
    path = write(tmp_path, "u.jsonl", data)
    assert "line 2" in refused(store, path) and "UTF-8" in refused(store, path)
    skipped = runner.invoke(cli, ["import", str(path), "--skip-bad", "--db", str(store)])
    assert skipped.exit_code == 0 and "line 2: not valid UTF-8" in skipped.output
    assert query(store, "SELECT count(*) FROM feedback")[0][0] == BASE + 1


def test_a_latin1_csv_is_a_numbered_bad_line_not_a_crash(store, tmp_path):
    text = "source,native_id,app_id,text,created_at\nplay_store,c1,mpaspor,ok,2024-05-01T00:00:00Z\n"
    path = write(
        tmp_path,
        "l.csv",
        text.encode() + "play_store,c2,mpaspor,antrean café,2024-05-01T00:00:00Z\n".encode("latin-1"),
    )
    message = refused(store, path)
    assert "line 3" in message and "Latin-1" in message
    skipped = runner.invoke(cli, ["import", str(path), "--skip-bad", "--db", str(store)])
    assert skipped.exit_code == 0 and "line 3" in skipped.output
    assert query(store, "SELECT count(*) FROM feedback")[0][0] == BASE + 1


def test_a_json_array_that_is_not_utf8_names_its_line(store, tmp_path):
    path = write(
        tmp_path,
        "a.json",
        b'[\n{"content": "ok", "score": 5, "at": 1700000000000},\n{"content": "caf\xe9"}\n]',
    )
    assert "line 3" in refused(store, path)


def test_skip_bad_that_skips_every_line_fails(store, tmp_path):
    path = write(tmp_path, "all.jsonl", line(rating=9) + "\n" + line(likes=-5) + "\n")
    message = refused(store, path, "--skip-bad")
    assert "all 2 lines are bad" in message and "line 1" in message


# -- 17.10: --map specs, before the file is read ----------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("text=", "no column after '='"),
        ("=content", "names no field"),
        ("txt=content", "'txt' is not a Suara field"),
        ("text=a,text=b", "gives the field 'text' twice"),
        ("text=a,text:=b", "gives the field 'text' twice"),
        ("source:=", "no value after ':='"),
        ("text", "neither field=column"),
        ("", "--map is empty"),
    ],
)
def test_a_bad_map_spec_is_refused_before_the_database_is_opened(store, tmp_path, spec, says):
    path = write(tmp_path, "x.csv", "a,b\n1,2\n")
    assert says in refused(store, path, "--map", spec, runs=None)


def test_a_map_naming_a_column_the_file_lacks_lists_its_columns(store, tmp_path):
    path = write(tmp_path, "x.csv", "rid,isi,tgl\nm1,ok,2024-01-01T00:00:00Z\n")
    message = refused(store, path, "--map", "native_id=rid,text=body,created_at=tgl,source:=play_store")
    assert "'body'" in message and "rid, isi, tgl" in message


def test_a_map_without_a_required_field_says_which(store, tmp_path):
    path = write(tmp_path, "x.csv", "rid,isi,tgl\nm1,ok,2024-01-01T00:00:00Z\n")
    message = refused(store, path, "--map", "native_id=rid,text=isi,source:=play_store")
    assert (
        "created_at" in message
        and "--map 'native_id=rid,text=isi,created_at=tgl,source:=play_store'" in message
    )


# -- 17.2: an id on two lines ----------------------------------------------------------------------
def test_repeated_ids_are_counted_and_strict_refuses_them(store, tmp_path):
    path = write(
        tmp_path,
        "d.jsonl",
        "\n".join([line(native_id="d1"), line(native_id="d2"), line(native_id="d1", text="kedua")]) + "\n",
    )
    message = refused(store, path, "--strict")
    assert "line 3: the same id as line 1" in message and "--strict" in message
    loaded = runner.invoke(cli, ["import", str(path), "--db", str(store)])
    assert (
        loaded.exit_code == 0
        and "3 read (1 repeated an earlier id" in loaded.output
        and "2 new" in loaded.output
    )
    assert query(store, "SELECT text FROM feedback WHERE native_id = 'd1'") == [("kedua",)]  # the last wins


# -- files that cannot be read as a whole ----------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("x.csv", "", "no header row"),
        ("x.json", "[1, 2", "not a valid JSON array"),
        ("x.json", '{"a": 1}\n', "not Suara fields"),
        ("x.txt", "halo", "cannot tell the format"),
        ("x.csv", "id,review,when\n1,ok,2024-01-01\n", "--map"),
    ],
)
def test_a_file_unreadable_as_a_whole_is_one_line(store, tmp_path, name, data, says):
    assert says in refused(store, write(tmp_path, name, data))


def test_a_missing_file_and_a_directory_are_refused_before_opening_the_store(store, tmp_path):
    assert "file not found" in refused(store, tmp_path / "nope.jsonl", runs=None)
    assert "not a file" in refused(store, tmp_path, runs=None)


def test_tz_is_for_play_dumps(store, tmp_path):
    path = write(tmp_path, "x.jsonl", json.dumps({**GOOD, "native_id": "t1"}) + "\n")
    assert "--tz applies to --format play" in refused(store, path, "--tz", "UTC")


def test_the_shell_sees_one_line_and_no_traceback(store, tmp_path):
    """The same through `python -m suara.cli` in a fresh process, as a user's shell runs it."""
    path = write(tmp_path, "bad.jsonl", line(likes=1e12) + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "suara.cli", "import", str(path), "--db", str(store)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "SUARA_DB": ""},
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.strip().count("\n") == 0 and "line 1" in proc.stderr
    assert len(snapshot(store)) == BASE
