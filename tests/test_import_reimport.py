"""A re-import of an unchanged file skips re-validating its lines only when nothing has changed since
(suara/imported_files.py); whenever something has, it gives what a full import gives."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ingest.formats import canonical
from suara.cli import app as cli

runner = CliRunner()


def imported(db: Path, path: Path, *flags: str) -> str:
    result = runner.invoke(cli, ["import", str(path), "--db", str(db), *flags])
    assert result.exit_code == 0, result.output
    return result.stdout


def sql(db: Path, query: str, params=None):
    con = duckdb.connect(str(db))
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


def test_an_unchanged_file_is_not_parsed_again(db_path, mpaspor_demo, monkeypatch):
    imported(db_path, mpaspor_demo)
    before = sql(db_path, "SELECT max(last_seen_at) FROM feedback")[0][0]

    def refuse(*args, **kwargs):
        raise AssertionError("the file was parsed again")

    monkeypatch.setattr(canonical, "stage", refuse)
    time.sleep(1.05)  # the store's clock has seconds: the re-import's time must be a later one
    out = imported(db_path, mpaspor_demo)
    assert "6000 read, 0 new, 0 updated, 6000 unchanged, 0 skipped" in out
    seen = sql(db_path, "SELECT count(*) FILTER (WHERE last_seen_at > ?), count(*) FROM feedback", [before])[
        0
    ]
    assert seen == (6000, 6000)


@pytest.mark.parametrize(
    "change, expected",
    [
        ("UPDATE feedback SET reply_text = 'dibalas di tempat lain' WHERE rowid = 10", "0 new, 1 updated"),
        (
            "UPDATE feedback SET text = text || ' (diubah)', content_hash = md5('lain') WHERE rowid = 11",
            "0 new, 1 updated",
        ),
        ("DELETE FROM feedback WHERE rowid = 12", "1 new, 0 updated"),
    ],
)
def test_a_store_changed_since_gets_the_full_import(db_path, mpaspor_demo, change, expected):
    imported(db_path, mpaspor_demo)
    sql(db_path, change)
    assert f"6000 read, {expected}" in imported(db_path, mpaspor_demo)
    assert "6000 read, 0 new, 0 updated, 6000 unchanged" in imported(db_path, mpaspor_demo)


def test_a_changed_file_or_another_app_gets_the_full_import(db_path, mpaspor_demo, tmp_path, monkeypatch):
    imported(db_path, mpaspor_demo)
    edited = tmp_path / "edited.jsonl"
    edited.write_bytes(mpaspor_demo.read_bytes().replace(b'"likes":18', b'"likes":19', 1))
    assert "6000 read, 0 new, 1 updated" in imported(db_path, edited)
    calls = []
    real = canonical.stage
    monkeypatch.setattr(canonical, "stage", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert "0 new, 0 updated, 6000 unchanged" in imported(db_path, edited, "--app", "lain")
    assert calls == [1]  # another --app key: another fingerprint, parsed in full


def test_beside_other_rows_an_unchanged_file_is_found_by_its_ids(
    db_path, mpaspor_demo, tmp_path, monkeypatch
):
    other = tmp_path / "lain.jsonl"
    other.write_text(
        mpaspor_demo.read_text(encoding="utf-8").splitlines()[0].replace('"native_id":"', '"native_id":"x')
        + "\n"
    )
    imported(db_path, other)
    imported(db_path, mpaspor_demo)

    def refuse(*args, **kwargs):
        raise AssertionError("the file was parsed again")

    monkeypatch.setattr(canonical, "stage", refuse)
    assert "6000 read, 0 new, 0 updated, 6000 unchanged, 0 skipped" in imported(db_path, mpaspor_demo)
    assert sql(db_path, "SELECT count(*) FROM feedback")[0][0] == 6001
