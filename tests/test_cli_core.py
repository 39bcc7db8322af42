"""The CLI end to end on a temp database: init, import (all or nothing), status, export."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
from typer.testing import CliRunner

from suara.cli import app
from tests.conftest import make_records

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def count(db, sql="SELECT count(*) FROM feedback"):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_init_creates_the_database(db_path):
    result = run("init", "--db", db_path)
    assert result.exit_code == 0, result.output
    assert db_path.exists() and "schema version" in result.output


def test_import_then_reimport_is_idempotent(tmp_path, db_path):
    f = write_jsonl(tmp_path / "a.jsonl", make_records(20))
    first = run("import", f, "--db", db_path)
    assert first.exit_code == 0, first.output
    assert "20 new" in first.output
    second = run("import", f, "--db", db_path)
    assert "0 new, 0 updated, 20 unchanged" in second.output
    assert count(db_path) == 20


def test_a_bad_line_loads_nothing_and_names_the_line(tmp_path, db_path):
    recs = make_records(5)
    lines = [json.dumps(r) for r in recs]
    lines.insert(3, '{"source": "play_store", "native_id": "x", "app_id": "mpaspor"')  # truncated JSON
    f = tmp_path / "bad.jsonl"
    f.write_text("\n".join(lines) + "\n")
    run("init", "--db", db_path)
    result = run("import", f, "--db", db_path)
    assert result.exit_code == 1
    assert "line 4" in result.output and "nothing was imported" in result.output
    assert count(db_path) == 0
    skipped = run("import", f, "--db", db_path, "--skip-bad")
    assert skipped.exit_code == 0
    assert "5 new" in skipped.output and "1 skipped" in skipped.output
    assert count(db_path) == 5


def test_invalid_field_is_reported_with_its_line(tmp_path, db_path):
    recs = make_records(3)
    recs[1]["rating"] = 7
    result = run("import", write_jsonl(tmp_path / "r.jsonl", recs), "--db", db_path)
    assert result.exit_code == 1 and "line 2" in result.output and "rating" in result.output


def test_csv_import_with_a_column_mapping(tmp_path, db_path):
    f = tmp_path / "other.csv"
    f.write_text(
        "review_id,content,date,stars\n1,OTP tidak masuk,2025-01-02T03:04:05Z,1\n2,mantap,2025-01-03,5\n"
    )
    result = run(
        "import",
        f,
        "--db",
        db_path,
        "--map",
        "native_id=review_id,text=content,created_at=date,rating=stars,source:=play_store,app_id:=mpaspor",
    )
    assert result.exit_code == 0, result.output
    assert count(db_path, "SELECT sum(rating) FROM feedback") == 6


def test_status_shows_counts_and_runs(tmp_path, db_path):
    run("import", write_jsonl(tmp_path / "a.jsonl", make_records(7)), "--db", db_path)
    result = run("status", "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "play_store" in result.output and "7" in result.output and "import" in result.output


def test_status_tells_when_the_model_was_trained_and_registered(db_path):
    import json

    from suara.model_files import ensure_registered, resolve_model_dir
    from suara.store import Store

    model = resolve_model_dir(None)
    trained = json.loads((model / "metrics.json").read_text())["metrics"]["trained_at"][:16].replace("T", " ")
    with Store(db_path) as store:
        ensure_registered(store, model)
    result = run("status", "--db", db_path)
    assert result.exit_code == 0, result.output
    assert f"(trained {trained}, registered " in " ".join(result.output.split())


def test_status_on_a_missing_database_exits_2(tmp_path):
    result = run("status", "--db", tmp_path / "none.duckdb")
    assert result.exit_code == 2 and "does not exist yet" in result.output


def test_export_masks_personal_data_and_neutralizes_formulas(tmp_path, db_path):
    recs = make_records(3)
    recs[0]["text"] = '=HYPERLINK("http://evil") NIK 3273012345678901 hp 081234567890'
    recs[1]["text"] = "@SUM(A1) email saya budi@example.com"
    recs[2]["text"] = "-2+3 biasa saja"
    run("import", write_jsonl(tmp_path / "a.jsonl", recs), "--db", db_path)
    for fmt in ("csv", "xlsx", "parquet"):
        target = tmp_path / f"out.{fmt}"
        result = run("export", target, "--db", db_path)
        assert result.exit_code == 0, result.output
        df = {"csv": pd.read_csv, "xlsx": pd.read_excel, "parquet": pd.read_parquet}[fmt](target)
        texts = " ".join(df["text"])
        assert (
            "3273012345678901" not in texts
            and "081234567890" not in texts
            and "budi@example.com" not in texts
        )
        assert "[NIK]" in texts and "[TELEPON]" in texts and "[EMAIL]" in texts
        assert all(not t.startswith(("=", "+", "-", "@")) for t in df["text"])
