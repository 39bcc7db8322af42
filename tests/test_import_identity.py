"""Import results stay identical across import rewrites: checksums recorded with the code before issue 18.

A sequence of `suara import` runs (the demo corpus into an empty file, a canonical file with edits and new
rows, a messy file with repeated ids, non-canonical values and bad lines, refusals that must store nothing,
the demo corpus again twice) ends in a database whose ``feedback`` and ``feedback_revisions`` tables, runs
and printed summaries are compared with checksums computed by the import code as it was before the
performance work of issue 18. The times a run writes (first/last seen, replaced at) are compared as the
number of the run that wrote them, so the checksums do not depend on the clock.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from suara.cli import app as cli

runner = CliRunner()

# Recorded with the import code of commit f615a49 (before issue 18's import rewrite).
EXPECTED = {
    "feedback": [6301, "862ab7a926b738e98264e2ed89a735a9"],
    "feedback_revisions": [565, "bde6f6b37943f869dd2a29672c37bb61"],
    "runs": [
        ["import", "success", 6000, 6000, 0, 0, "feedback.jsonl"],
        ["import", "success", 5800, 300, 235, 0, "edited.jsonl"],
        [
            "import",
            "failed",
            0,
            0,
            0,
            0,
            "messy.jsonl, line 404: not valid JSON (Expecting ',' delimiter at column 1) (and 3 more bad "
            "lines); nothing was imported. Fix the line or use --skip-bad.",
        ],
        [
            "import",
            "failed",
            0,
            0,
            0,
            0,
            "messy.jsonl, line 401: the same id as line 2 (3 repeated ids in all); nothing was imported "
            "(--strict). Remove the repeats, or drop --strict to keep the last of each.",
        ],
        ["import", "success", 404, 1, 146, 4, "messy.jsonl"],
        ["import", "success", 6000, 0, 355, 0, "feedback.jsonl"],
        ["import", "success", 6000, 0, 0, 0, "feedback.jsonl"],
    ],
    "outputs": [
        [0, "DIR/feedback.jsonl: 6000 read, 6000 new, 0 updated, 0 unchanged, 0 skipped"],
        [0, "DIR/edited.jsonl: 5800 read, 300 new, 235 updated, 5265 unchanged, 0 skipped"],
        [
            1,
            "error: DIR/messy.jsonl, line 404: not valid JSON (Expecting ',' delimiter at column 1) (and 3 "
            "more bad lines); nothing was imported. Fix the line or use --skip-bad.",
        ],
        [
            1,
            "error: DIR/messy.jsonl, line 401: the same id as line 2 (3 repeated ids in all); nothing was "
            "imported (--strict). Remove the repeats, or drop --strict to keep the last of each.",
        ],
        [
            0,
            "DIR/messy.jsonl: 404 read (3 repeated an earlier id, e.g. line 401 that of line 2; the last "
            "one wins), 1 new, 146 updated, 254 unchanged, 4 skipped skipped DIR/messy.jsonl, line 404: "
            "not valid JSON (Expecting ',' delimiter at column 1) skipped DIR/messy.jsonl, line 405: field "
            "'rating' is 7; expected a whole number from 1 to 5 skipped DIR/messy.jsonl, line 406: field "
            "'text' is ' '; expected a non-empty string skipped DIR/messy.jsonl, line 407: unknown "
            "field(s) ['warna']; expected ['source', 'native_id', 'app_id', 'text', 'created_at', "
            "'author', 'title', 'rating', 'app_version', 'lang', 'country', 'reply_text', 'replied_at', "
            "'likes', 'url', 'raw']",
        ],
        [0, "DIR/feedback.jsonl: 6000 read, 0 new, 355 updated, 5645 unchanged, 0 skipped"],
        [0, "DIR/feedback.jsonl: 6000 read, 0 new, 0 updated, 6000 unchanged, 0 skipped"],
    ],
}


def _demo_rows(demo: Path) -> list[dict]:
    return [json.loads(line) for line in demo.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write(path: Path, rows: list) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def edited_canonical(rows: list[dict]) -> list[dict]:
    """The first 5,500 demo rows, some texts, ratings and replies changed, and 300 new rows: canonical."""
    out = []
    for i, r in enumerate(rows[:5500]):
        r = dict(r)
        if i % 50 == 0:
            r["text"] = r["text"] + " (diedit)"
        if i % 70 == 0:
            r["reply_text"], r["replied_at"] = "Mohon maaf, sedang kami periksa", "2024-06-01T03:00:00Z"
        if i % 90 == 0 and r.get("rating"):
            r["rating"] = 1 + r["rating"] % 5
        if i % 110 == 0:
            r["likes"] = (r.get("likes") or 0) + 7
        out.append(r)
    for i, r in enumerate(rows[:300]):
        out.append({**r, "native_id": f"{r['native_id']}-baru", "text": f"{r['text']} baru {i}"})
    return out


def messy(rows: list[dict]) -> list:
    """Edits, ids repeated (the last wins), non-canonical but valid values, and bad lines."""
    out: list = []
    for i, r in enumerate(rows[1000:1400]):
        r = dict(r)
        if i % 3 == 0:
            r["text"] = "  " + r["text"] + " lagi  "
        if i % 7 == 0 and r.get("rating"):
            r["rating"] = str(r["rating"])  # a rating given as text: normalized
        if i % 11 == 0:
            r["created_at"] = r["created_at"].replace("Z", "+07:00")
        out.append(r)
    out.append({**rows[1001], "text": "baris kedua untuk id yang sama"})  # a repeat: the last one wins
    out.append({**rows[1002], "text": "ulang pertama"})
    out.append({**rows[1002], "text": "ulang kedua"})
    out.append('{"source": "play_store", "native_id": "rusak"')  # broken JSON
    out.append({**rows[5], "native_id": "bintang-tujuh", "rating": 7})  # a bad rating
    out.append({**rows[6], "native_id": "tanpa-teks", "text": "   "})  # a blank text
    out.append({**rows[7], "native_id": "kolom-asing", "warna": "biru"})  # an unknown key
    out.append({**rows[8], "native_id": "baru-dari-messy"})
    return out


def _import(db: Path, path: Path, *flags: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["import", str(path), "--db", str(db), *flags])
    text = (result.stdout + result.stderr).replace(str(path.parent), "DIR")
    return result.exit_code, re.sub(r"\s+", " ", text).strip()


def run_sequence(tmp_path: Path, demo: Path) -> tuple[Path, list]:
    """Every import of the scenario in order; returns the database and (exit code, output) of each."""
    rows = _demo_rows(demo)
    db = tmp_path / "suara.duckdb"
    edited = _write(tmp_path / "edited.jsonl", edited_canonical(rows))
    mess = _write(tmp_path / "messy.jsonl", messy(rows))
    steps = [
        (demo, ()),
        (edited, ()),
        (mess, ()),  # refused: bad lines, nothing stored
        (mess, ("--skip-bad", "--strict")),  # refused: repeated ids
        (mess, ("--skip-bad",)),
        (demo, ()),  # the edits undone: revisions
        (demo, ()),  # unchanged
    ]
    outputs = []
    for path, flags in steps:
        time.sleep(1.05)  # each run's writes in a second of its own (the store's clock has seconds)
        code, text = _import(db, path, *flags)
        outputs.append((code, text))
    return db, outputs


def _run_of(column: str) -> str:
    """The number of the run whose upsert wrote this time (runs start before they write)."""
    return f"(SELECT count(*) FROM runs r WHERE r.started_at <= {column})"


def checksums(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:

        def table_sum(table: str, times: tuple[str, ...], order: str) -> list:
            cols = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                if c != "seq"  # migration 11's row number, added after the sums were recorded (below)
            ]
            parts = [
                _run_of(f"t.{c}") if c in times else f"coalesce(CAST(t.{c} AS VARCHAR), '<null>')"
                for c in cols
            ]
            row = "concat_ws(chr(31), " + ", ".join(f"CAST({p} AS VARCHAR)" for p in parts) + ")"
            return list(
                con.execute(
                    f"SELECT count(*), md5(coalesce(string_agg(md5({row}), ',' ORDER BY {order}), '')) "
                    f"FROM {table} t"
                ).fetchall()[0]
            )

        feedback = table_sum("feedback", ("first_seen_at", "last_seen_at"), "t.id")
        revisions = table_sum(
            "feedback_revisions", ("replaced_at",), "t.feedback_id, t.replaced_at, t.content_hash"
        )
        runs = con.execute(
            "SELECT job, status, fetched, new, updated, skipped, "
            "regexp_replace(coalesce(message, ''), '.*/', '') FROM runs ORDER BY run_id"
        ).fetchall()
    finally:
        con.close()
    return {"feedback": feedback, "feedback_revisions": revisions, "runs": [list(r) for r in runs]}


def test_import_results_equal_the_recorded_ones(tmp_path, mpaspor_demo):
    db, outputs = run_sequence(tmp_path, mpaspor_demo)
    got = {**checksums(db), "outputs": [list(o) for o in outputs]}
    for key, expected in EXPECTED.items():
        assert got[key] == expected, key
    # every item numbered once, in the order it was stored
    con = duckdb.connect(str(db), read_only=True)
    try:
        n, distinct, in_order = con.execute(
            "SELECT count(*), count(DISTINCT seq), bool_and(seq > prev) FROM "
            "(SELECT seq, lag(seq, 1, 0) OVER (ORDER BY rowid) AS prev FROM feedback)"
        ).fetchall()[0]
    finally:
        con.close()
    assert n == distinct == EXPECTED["feedback"][0] and in_order
