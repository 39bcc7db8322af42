"""`make demo` end to end: the demo corpus lands in the database, its stories become alerts, and the
dashboard answers on localhost."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.serving import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_loads_the_corpus_and_serves_the_dashboard(tmp_path):
    db, port = tmp_path / "demo.duckdb", free_port()
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "demo", f"DEMO_DB={db}", f"PORT={port}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/", proc, 240, "make demo")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=30)[0]
    assert f"http://127.0.0.1:{port}" in output
    con = duckdb.connect(str(db), read_only=True)
    try:
        feedback = con.execute("SELECT count(*), count(DISTINCT source) FROM feedback").fetchone()
        classified = con.execute("SELECT count(*) FROM classifications").fetchone()[0]
        scored = con.execute(
            "SELECT count(*), count(DISTINCT f.source) FROM feedback_sentiment s JOIN feedback f ON f.id = s.feedback_id"
        ).fetchone()
        surges = con.execute(
            "SELECT DISTINCT category, year(period_end) FROM alerts WHERE kind = 'spike_week' AND app_id = 'mpaspor'"
        ).fetchall()
        by_app = con.execute(
            "SELECT DISTINCT app_id, category, year(period_end) FROM alerts WHERE kind = 'spike_week'"
        ).fetchall()
        mpaspor_alerts = con.execute("SELECT count(*) FROM alerts WHERE app_id = 'mpaspor'").fetchone()[0]
        apps = con.execute("SELECT DISTINCT app_id FROM feedback ORDER BY 1").fetchall()
    finally:
        con.close()
    demo_lines = sum(1 for _ in (ROOT / "data/demo/feedback.jsonl").open(encoding="utf-8"))
    assert feedback == (demo_lines, 3)
    assert classified == demo_lines  # the shipped model labelled every item
    assert scored == (demo_lines, 3)  # and its sentiment model scored every item, tweets too
    # `suara alerts --since` in the demo: its stories (data/demo/README.md) are on the Peringatan page
    assert ("payment_stuck", 2025) in surges  # release 6.4.0
    assert {("quota_full", y) for y in (2023, 2024, 2025, 2026)} <= set(surges)  # before each Lebaran
    assert mpaspor_alerts == 8  # M-Paspor's stories, as before the other apps joined the demo
    # the other apps' stories (data/demo/README.md): outage weeks and releases with a regression
    assert apps == [("mobilejkn",), ("mpaspor",), ("signal",)]
    assert {
        ("mobilejkn", "app_error", 2024), ("mobilejkn", "otp_not_received", 2025),
        ("signal", "payment_stuck", 2024), ("signal", "app_error", 2025),
    } <= set(by_app)  # fmt: skip
