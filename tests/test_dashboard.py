"""The dashboard, page by page, through Streamlit's AppTest on a small real database.

Every figure is checked against an independent SQL query on the same file; filters, the language
switch, the review queue's write, personal-data masking and the database fault states are exercised
through the app itself. `suara dashboard` is started for real and must answer HTTP 200.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import common, queries
from dashboard.filters import Filters
from dashboard.i18n import num, pct, pp
from dashboard.queries import trends
from dashboard.texts import TEXTS
from nlp.text import clean
from suara.review_queue import HALF_LIFE
from suara.store import Store
from suara.taxonomy import load_taxonomy
from tests.dashboard_fixture import FORMULA_ID, NIK_DIGITS, NIKS, build
from tests.serving import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
PAGES = [
    "overview", "category", "feedback", "ratings", "versions", "offices", "compare", "alerts", "review", "frameworks",
    "runs",
]  # fmt: skip
ANY_NIK = re.compile(r"(?<!\d)\d(?:[ .\-\\]?\d){15}(?!\d)")


# -- fixtures and helpers --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("dash") / "suara.duckdb")


@pytest.fixture
def db(fixture_db, monkeypatch) -> Path:
    monkeypatch.setenv("SUARA_DB", str(fixture_db))
    return fixture_db


@pytest.fixture
def writable_db(fixture_db, tmp_path, monkeypatch) -> Path:
    """A copy of the fixture for tests that write, so the others keep their figures."""
    path = tmp_path / "suara.duckdb"
    shutil.copy(fixture_db, path)
    monkeypatch.setenv("SUARA_DB", str(path))
    return path


def app(page: str = "overview", **query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update(query)
    at.run()
    if page != "overview":
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sql(db: Path, query: str, params=None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def period(db: Path, days: int = 90) -> tuple[datetime, datetime]:
    """The default view: the last ``days`` days up to the newest feedback's day."""
    (last,) = sql(db, "SELECT max(created_at)::DATE FROM feedback")[0]
    end = datetime.combine(last + timedelta(days=1), datetime.min.time())
    return end - timedelta(days=days), end


def pct_id(share: float) -> str:
    return f"{share * 100:.1f}".replace(".", ",") + "%"


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def rendered_text(at: AppTest) -> str:
    """Everything the page sent to the browser: every element's message, and every table's cells."""
    parts = []
    for node in walk(at._tree):
        if getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
    parts += [df.value.to_csv() for df in at.dataframe]
    return "\n".join(parts)


# -- Ringkasan ----------------------------------------------------------------------------------------
def overview_truth(db: Path, where: str = "true", params: list | None = None, days: int = 90) -> dict:
    start, end = period(db, days)
    cond = f"f.created_at >= ? AND f.created_at < ? AND {where}"
    args = [start, end, *(params or [])]
    n, low, rated = sql(
        db,
        f"SELECT count(*), count(*) FILTER (WHERE rating <= 2), count(rating) FROM feedback f WHERE {cond}",
        args,
    )[0]
    (complaints,) = sql(
        db,
        f"SELECT count(DISTINCT f.id) FROM feedback f JOIN effective_labels l ON l.feedback_id = f.id "
        f"WHERE {cond} AND l.category <> 'praise'",
        args,
    )[0]
    top, top_n = sql(
        db,
        f"SELECT l.category, count(*) AS k FROM feedback f JOIN effective_labels l ON l.feedback_id = f.id "
        f"WHERE {cond} AND l.category <> 'praise' GROUP BY 1 ORDER BY k DESC, 1 LIMIT 1",
        args,
    )[0]
    return {"n": n, "low": low / rated, "complaints": complaints / n, "top": top, "top_share": top_n / n}


def test_overview_figures_equal_sql(db):
    at = app()
    truth = overview_truth(db)
    shown = metrics(at)
    assert shown["Jumlah masukan"] == str(truth["n"])
    assert shown["Rating 1–2 bintang"] == pct_id(truth["low"])
    assert shown["Berisi keluhan"] == pct_id(truth["complaints"])
    assert shown["Keluhan teratas"] == pct_id(truth["top_share"])
    assert any("Gangguan sistem / aplikasi error" in m.value for m in at.markdown)
    # the change against the 90 days before is shown too
    before = overview_truth(db, "f.created_at < ?", [period(db)[0]], days=180)
    assert (
        at.metric[0].delta == f"{(truth['n'] - before['n']) / before['n'] * 100:+.1f}".replace(".", ",") + "%"
    )
    assert len(at.get("vega_lite_chart")) == 2  # the weekly trend and the category bars


def test_a_filter_changes_the_figures_and_the_url(db):
    at = app()
    at.multiselect(key="source").set_value(["app_store"]).run()
    truth = overview_truth(db, "f.source = 'app_store'")
    assert metrics(at)["Jumlah masukan"] == str(truth["n"])
    assert truth["n"] < overview_truth(db)["n"]
    assert at.query_params["source"] == "app_store"  # the view is now a link


def test_a_shared_link_opens_the_same_view(db):
    at = app(period="30d", rating=["1"], category="quota_full")
    truth = overview_truth(
        db,
        "f.rating = 1 AND f.id IN (SELECT feedback_id FROM effective_labels WHERE category = 'quota_full')",
        days=30,
    )
    assert metrics(at)["Jumlah masukan"] == str(truth["n"])
    assert at.multiselect(key="rating").value == [1]
    assert at.query_params == {"period": "30d", "rating": "1", "category": "quota_full"}


def test_a_bad_link_falls_back_to_defaults(db):
    at = app(period="forever", rating=["x", "9"], source="fax")
    assert metrics(at)["Jumlah masukan"] == str(overview_truth(db)["n"])


def test_a_link_with_dates_out_of_range_shows_everything(db):
    """?dates=0001-01-01&dates=9999-12-31 is clamped to the days feedback can have (issue 17.8)."""
    for page in ("overview", "category", "feedback", "versions"):
        at = app(page, period="custom", dates=["0001-01-01", "9999-12-31"], category="app_error")
        assert not at.error, [e.value for e in at.error]
    at = app(period="custom", dates=["0001-01-01", "9999-12-31"])
    n = sql(db, "SELECT count(*) FROM feedback")[0][0]
    assert metrics(at)["Jumlah masukan"] == f"{n:,}".replace(",", ".")


def test_a_stored_row_dated_9999_does_not_break_the_pages(writable_db):
    with duckdb.connect(str(writable_db)) as con:
        con.execute("UPDATE feedback SET created_at = TIMESTAMP '9999-12-31 00:00:00' WHERE rowid = 0")
    for page in ("overview", "category", "feedback", "versions", "offices", "alerts"):
        at = app(page, period="all")
        assert not at.error, [e.value for e in at.error]


def test_language_switch(db):
    at = app()
    assert "Jumlah masukan" in metrics(at)
    at.button_group(key="lang").set_value("en").run()
    shown = metrics(at)
    truth = overview_truth(db)
    assert shown["Feedback"] == str(truth["n"])
    assert shown["1–2 star ratings"] == f"{truth['low'] * 100:.1f}%"
    assert at.title[0].value == "Overview"
    assert at.query_params["lang"] == "en"
    at.switch_page("views/runs.py").run()
    assert at.title[0].value == "Runs"


# -- Kategori -------------------------------------------------------------------------------------------
def test_category_page(db):
    at = app("category", cat="quota_full")
    start, end = period(db)
    window = "f.created_at >= ? AND f.created_at < ?"
    total = sql(db, f"SELECT count(*) FROM feedback f WHERE {window}", [start, end])[0][0]
    n = sql(
        db,
        f"SELECT count(*) FROM feedback f JOIN effective_labels l ON l.feedback_id = f.id "
        f"WHERE {window} AND l.category = 'quota_full'",
        [start, end],
    )[0][0]
    shown = metrics(at)
    assert shown["Teks dalam kategori"] == str(n)
    assert shown["Porsi dari masukan"] == pct_id(n / total)
    assert any(c.value == f"{n} teks, terbaru di atas" for c in at.caption)
    # newest first, masked, with the model's score and a link to the original
    assert "[NIK]" in at.markdown[1].value or any("\\[NIK\\]" in m.value for m in at.markdown)
    assert any("keyakinan model 80%" in c.value and "buka aslinya" in c.value for c in at.caption)

    at.text_input(key="q").input("jaksel").run()
    hits = sql(
        db,
        f"SELECT count(*) FROM feedback f JOIN effective_labels l ON l.feedback_id = f.id "
        f"WHERE {window} AND l.category = 'quota_full' AND f.text ILIKE '%jaksel%'",
        [start, end],
    )[0][0]
    assert 0 < hits < n
    assert any(c.value == f"{hits} teks, terbaru di atas" for c in at.caption)
    assert at.query_params["q"] == "jaksel"


def test_category_texts_are_paginated(db):
    at = app("category")  # app_error, the first headline category
    assert len(at.get("pagination")) == 1
    first = [m.value for m in at.markdown]
    at.get("pagination")[0].set_value(2).run()
    assert [m.value for m in at.markdown] != first


# -- Versi aplikasi -------------------------------------------------------------------------------------
def test_versions_page_flags_the_release_that_broke_things(db):
    at = app("versions")
    start, end = period(db)
    k, n = sql(
        db,
        "SELECT count(*) FILTER (WHERE f.id IN (SELECT feedback_id FROM effective_labels WHERE category = 'app_error')),"
        " count(*) FROM feedback f WHERE f.app_version = '5.2.0' AND f.created_at >= ? AND f.created_at < ?",
        [start, end],
    )[0]
    lines = [m.value for m in at.markdown if m.value.startswith("**v5\\.2\\.0**")]
    assert any(
        f"Gangguan sistem / aplikasi error: {pct_id(k / n)}" in line and f"{k} dari {n} teks" in line
        for line in lines
    )
    assert len(lines) == 1  # praise rose as much in 5.2.0, but good news is no jump
    assert len(at.get("vega_lite_chart")) == 2  # feedback per release, and the grid


# -- Kantor -------------------------------------------------------------------------------------------
def test_offices_page_ranks_offices_by_complaints(db):
    at = app("offices")
    start, end = period(db)
    rows = sql(
        db,
        """
        SELECT o.office_id, count(*) FILTER (WHERE o.feedback_id IN
               (SELECT feedback_id FROM effective_labels WHERE category <> 'praise')) AS complaints
        FROM feedback_offices o JOIN feedback f ON f.id = o.feedback_id
        WHERE f.created_at >= ? AND f.created_at < ? GROUP BY 1 ORDER BY complaints DESC, 1
        """,
        [start, end],
    )
    assert metrics(at)["Kantor yang disebut"] == str(len(rows))
    table = at.dataframe[0].value
    assert table["complaints"].tolist() == [str(c) for _, c in rows]
    assert table["name"].iloc[0].startswith("Kantor Imigrasi")  # names from data/offices.csv
    assert at.selectbox(key="office").value == rows[0][0]


# -- Peringatan -----------------------------------------------------------------------------------------
def test_alerts_page_lists_alerts_with_their_texts(db):
    at = app("alerts")
    expanders = at.main.expander
    assert len(expanders) == sql(db, "SELECT count(*) FROM alerts")[0][0] == 2
    assert "lonjakan mingguan" in expanders[0].label  # newest first
    assert [m.value for m in expanders[0].metric] == ["30", "8", "20"]  # observed, expected, threshold
    (texts,) = sql(
        db,
        "SELECT count(*) FROM feedback f JOIN alerts a ON f.app_id = a.app_id AND f.app_version = a.app_version "
        "AND f.created_at >= a.period_start AND f.created_at < a.period_end "
        "WHERE a.alert_id = 'a1' AND f.id IN (SELECT feedback_id FROM effective_labels WHERE category = 'app_error')",
    )[0]
    assert any(c.value.startswith(f"{texts} teks") for c in expanders[0].caption)
    link = at.get("page_link")[0].proto
    assert link.page == "kategori"
    assert (
        link.query_string
        == "cat=app_error&period=custom&dates=2025-03-24&dates=2025-03-30&app=mpaspor&version=5.2.0"
    )


def test_an_alert_link_opens_its_category_view(db):
    query = {
        "cat": "app_error",
        "period": "custom",
        "dates": ["2025-03-24", "2025-03-30"],
        "app": "mpaspor",
        "version": "5.2.0",
    }
    at = app("category", **query)
    (n,) = sql(
        db,
        "SELECT count(*) FROM feedback f WHERE f.app_id = 'mpaspor' AND f.app_version = '5.2.0' "
        "AND f.created_at >= '2025-03-24' AND f.created_at < '2025-03-31' "
        "AND f.id IN (SELECT feedback_id FROM effective_labels WHERE category = 'app_error')",
    )[0]
    assert metrics(at)["Teks dalam kategori"] == str(n)
    assert at.date_input(key="dates").value == (date(2025, 3, 24), date(2025, 3, 30))


def test_alerts_page_empty_state(writable_db):
    with Store(writable_db) as store:
        store.con.execute("DELETE FROM alerts")
    at = app("alerts")
    assert "suara nightly" in at.info[0].value


# -- Pelabelan ------------------------------------------------------------------------------------------
def expected_queue(db: Path) -> list[tuple[str, int, bool]]:
    """The default view's queue worked out apart from the page: texts grouped by ``nlp.text.clean`` in
    Python, groups with a labelled twin last, then by n * 2^(-smallest margin / HALF_LIFE), ties newest
    first. (representative id, texts in the group, labelled before) per group."""
    start, end = period(db)
    rows = sql(
        db,
        "SELECT f.id, f.title, f.text, f.created_at, c.confidence, h.feedback_id IS NOT NULL FROM feedback f "
        "LEFT JOIN classifications c ON c.feedback_id = f.id LEFT JOIN human_reviews h ON h.feedback_id = f.id",
    )
    key = lambda title, text: clean(f"{title} {text}" if title else text)  # noqa: E731
    labelled = {key(title, text) for _, title, text, _, _, reviewed in rows if reviewed}
    groups: dict[str, list] = {}
    for fid, title, text, created, confidence, reviewed in rows:
        if not reviewed and start <= created < end:
            groups.setdefault(key(title, text) or fid, []).append((created, fid, confidence))

    def rank(item):
        k, members = item
        value = len(members) * 2 ** (-min(c for *_, c in members) / HALF_LIFE)
        return k in labelled, -value, -max(members)[0].timestamp()

    return [(max(members)[1], len(members), k in labelled) for k, members in sorted(groups.items(), key=rank)]


def shown_queue(at: AppTest) -> list[str]:
    return [
        p.key.removeprefix("cats_") for p in at.get("button_group") if p.key and p.key.startswith("cats_")
    ]


def test_review_queue_groups_near_duplicates_by_expected_value(writable_db):
    at = app("review")
    assert at.info[0].value.startswith("2 teks diberi label analis sejak model")
    expected = expected_queue(writable_db)
    assert shown_queue(at) == [rep for rep, _, _ in expected[:10]]
    first_id, n, _ = expected[0]
    assert n > 3  # the fixture's texts differ only by a number: near-duplicates
    captions = [c.value for c in at.caption]
    assert any(c.startswith(f":material/content_copy: {n} ulasan serupa") for c in captions)
    shown_texts = sum(k for _, k, _ in expected[:10])
    assert f"10 kelompok teks ({shown_texts} teks) menunggu keputusan Anda." in captions

    # One decision labels every text of the group.
    start, end = period(writable_db)
    (group,) = sql(
        writable_db,
        "SELECT list(f.id ORDER BY f.id) FROM feedback f WHERE f.dup_key = (SELECT dup_key FROM feedback WHERE id = ?) "
        "AND f.created_at >= ? AND f.created_at < ? AND f.id NOT IN (SELECT feedback_id FROM human_reviews)",
        [first_id, start, end],
    )[0]
    assert len(group) == n
    chosen = next(p for p in at.get("button_group") if p.key == f"cats_{first_id}")
    model = sql(
        writable_db, "SELECT category FROM effective_labels WHERE feedback_id = ? ORDER BY 1", [first_id]
    )
    assert sorted(chosen.value) == [c for (c,) in model]  # the model's labels
    at.text_input(key="analyst").input("Budi Santoso")
    chosen.set_value(["nik_not_detected", "office_unavailable"])
    at.button(key=f"save_{first_id}").click().run()
    assert not at.exception
    assert at.success[0].value == f"Tersimpan: 2 kategori untuk {n} teks."

    rows = sql(
        writable_db,
        "SELECT feedback_id, category, created_by FROM labels WHERE origin = 'human' AND list_contains(?, feedback_id) "
        "ORDER BY 1, 2",
        [group],
    )
    assert rows == [
        (fid, c, "Budi Santoso") for fid in group for c in ("nik_not_detected", "office_unavailable")
    ]
    assert sql(
        writable_db, "SELECT count(*) FROM human_reviews WHERE list_contains(?, feedback_id)", [group]
    ) == [(n,)]
    effective = sql(
        writable_db, "SELECT category FROM effective_labels WHERE feedback_id = ? ORDER BY 1", [first_id]
    )
    assert effective == [("nik_not_detected",), ("office_unavailable",)]  # the analyst overrides the model
    assert at.info[0].value.startswith(f"{2 + n} teks diberi label analis sejak model")
    assert shown_queue(at) == [rep for rep, _, _ in expected_queue(writable_db)[:10]]
    assert first_id not in shown_queue(at)  # the group left the queue


def test_review_flags_groups_an_analyst_already_labelled(db):
    at = app("review")
    at.button_group(key="review_mode").set_value("random").run()
    shown = set(shown_queue(at))
    twins = [rep for rep, _, labelled in expected_queue(db) if labelled and rep in shown]
    assert twins  # the fixture's analysts labelled two texts that have near-duplicates
    flags = sorted(c.value for c in at.caption if "Mirip dengan yang sudah dilabeli analis" in c.value)
    decided = {  # the fixture's two decisions: not a complaint, and a payment problem
        "tanpa kategori",
        common.category_label("payment_stuck", "id"),
    }
    assert len(flags) == len(twins) and {f.rsplit(": ", 1)[1] for f in flags} <= decided


def test_review_needs_the_analyst_name(writable_db):
    at = app("review")
    fid = next(p.key for p in at.get("button_group") if p.key.startswith("cats_")).removeprefix("cats_")
    at.button(key=f"save_{fid}").click().run()
    assert "nama analis" in at.warning[0].value.lower()
    assert sql(writable_db, "SELECT count(*) FROM human_reviews WHERE feedback_id = ?", [fid]) == [(0,)]


def test_review_random_sample(db):
    at = app("review")
    at.button_group(key="review_mode").set_value("random").run()
    sample = [p.key for p in at.get("button_group") if p.key and p.key.startswith("cats_")]
    assert len(sample) == 10
    reviewed = {r[0] for r in sql(db, "SELECT feedback_id FROM human_reviews")}
    assert not reviewed & {k.removeprefix("cats_") for k in sample}
    at.button[0].click().run()  # a new sample
    assert [p.key for p in at.get("button_group") if p.key and p.key.startswith("cats_")] != sample


# -- Kerangka e-government ------------------------------------------------------------------------------
def test_frameworks_page_reads_the_mapping_from_the_taxonomy(db):
    at = app("frameworks")
    table = at.dataframe[0].value
    assert len(table) == 13
    start, end = period(db)
    counts = dict(
        sql(
            db,
            "SELECT l.category, count(*) FROM feedback f JOIN effective_labels l ON l.feedback_id = f.id "
            "WHERE f.created_at >= ? AND f.created_at < ? GROUP BY 1",
            [start, end],
        )
    )
    row = table[table["Kategori"] == "Kuota selalu penuh"].iloc[0]
    assert row["Teks"] == str(counts["quota_full"])
    assert row["Tahap Gartner"] == "Transaksi"  # data/taxonomy.toml: quota_full -> transaction
    assert row["Elemen Harvard"] == "Kapasitas (capacity)"
    assert len(at.get("vega_lite_chart")) == 2


# -- Riwayat --------------------------------------------------------------------------------------------
def test_runs_page(db):
    at = app("runs")
    shown = metrics(at)
    assert shown["Jalan gagal"] == "1"
    assert shown["Ketepatan, enam kategori utama (F1 makro)"] == "0,870"  # plain words, id-ID number
    runs = at.dataframe[-1].value
    assert len(runs) == sql(db, "SELECT count(*) FROM runs")[0][0]
    assert "[NIK]" in " ".join(runs["message"])  # error messages are masked too


# -- personal data, faults -------------------------------------------------------------------------------
@pytest.mark.parametrize("page", PAGES)
def test_no_unmasked_nik_on_any_page(db, page):
    at = app(page)
    text = rendered_text(at)
    for nik in (*NIKS, *NIK_DIGITS):
        assert nik not in text
    tables = [df.value.select_dtypes(exclude="number").to_csv() for df in at.dataframe]
    shown = "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + tables)
    assert not ANY_NIK.search(shown)


def test_missing_database_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("SUARA_DB", str(tmp_path / "none.duckdb"))
    at = app()
    assert len(at.error) == 1
    assert "belum ada" in at.error[0].value and "make demo" in at.error[0].value
    assert not (tmp_path / "none.duckdb").exists()  # reading never creates a database


def test_empty_database_says_what_to_do(tmp_path, monkeypatch):
    path = tmp_path / "empty.duckdb"
    Store(path).close()
    monkeypatch.setenv("SUARA_DB", str(path))
    for page in ("overview", "category", "review"):
        at = app(page)
        assert "Belum ada data: jalankan `suara collect` atau `make demo`." in [i.value for i in at.info]
    assert "Belum ada catatan jalan" in app("runs").info[-1].value


def test_locked_database_says_so(writable_db, monkeypatch):
    monkeypatch.setattr(queries.base, "LOCK_WAIT", 0.3)
    code = "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(30)"
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(writable_db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        at = app(page="runs")  # a page the cache has not seen for this file
        assert len(at.error) == 1 and "dikunci" in at.error[0].value
    finally:
        holder.terminate()
        holder.wait(10)


# -- downloads ------------------------------------------------------------------------------------------
def test_downloads_are_masked_and_formula_safe(fixture_db, db):
    start, end = period(fixture_db)
    view = Filters(start=start.date(), end=end.date())
    rows = queries.export_rows(fixture_db, view)
    assert (
        len(rows)
        == sql(
            fixture_db, "SELECT count(*) FROM feedback WHERE created_at >= ? AND created_at < ?", [start, end]
        )[0][0]
    )
    data = common.export_bytes(rows, "csv").decode("utf-8-sig")
    for nik in (*NIKS, *NIK_DIGITS):
        assert nik not in data
    by_id = {r["id"]: r for r in csv.DictReader(io.StringIO(data))}
    assert by_id[FORMULA_ID]["text"].startswith("'=HYPERLINK")
    assert "[NIK]" in data and "[TELEPON]" in data
    book = openpyxl.load_workbook(io.BytesIO(common.export_bytes(rows, "xlsx")))
    cells = [str(c.value) for row in book.active.iter_rows() for c in row]
    assert not any(ANY_NIK.search(c) for c in cells)
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    # the download buttons are there, in the sidebar and on the category page
    assert [b.label for b in app().download_button] == [
        "Laporan bulanan (PDF)",
        "CSV",
        "Excel",
    ]  # + the report
    assert len(app("category").download_button) == 4


# -- the query layer without Streamlit (what the benchmark calls) -------------------------------------------
def test_overview_queries_run_without_streamlit(fixture_db):
    start, end = period(fixture_db)
    result = queries.overview(fixture_db, Filters(start=start.date(), end=end.date()))
    truth = overview_truth(fixture_db)
    cur = result["kpis"]["cur"]
    assert cur["n"] == truth["n"]
    assert cur["low"] / cur["rated"] == pytest.approx(truth["low"])
    assert cur["complaints"] / cur["n"] == pytest.approx(truth["complaints"])
    assert set(result["trend"]["category"]) == {
        "app_error",
        "nik_not_detected",
        "otp_not_received",
        "payment_stuck",
        "office_unavailable",
        "quota_full",
    }
    assert result["unit"] == "week"
    weekly = result["trend"].groupby("bucket")["total"].first().sum()
    assert weekly == truth["n"]
    assert result["kpis"]["prev"]["n"] > 0
    everything = queries.overview(fixture_db, Filters())
    assert everything["kpis"]["prev"] is None
    assert everything["kpis"]["cur"]["n"] == sql(fixture_db, "SELECT count(*) FROM feedback")[0][0]


def test_search_is_literal(fixture_db):
    total, _ = queries.texts(fixture_db, Filters(), search="100%_")
    assert total == 0
    total, rows = queries.texts(fixture_db, Filters(), search="(3)")
    assert total == len(rows) == 1


# -- labels -----------------------------------------------------------------------------------------------
def test_every_label_exists_in_both_languages():
    for key, (indonesian, english) in TEXTS.items():
        assert indonesian.strip() and english.strip(), key
        assert re.findall(r"{(\w+)", indonesian) == re.findall(r"{(\w+)", english), key
    used = set()
    for path in (ROOT / "dashboard").rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*"(\w+)\"""", path.read_text(encoding="utf-8")))
    dynamic = {
        f"{prefix}{code}"
        for prefix, codes in {
            "period_": ["7d", "30d", "90d", "365d", "all", "custom"],
            "measure_": ["n", "share"],
            "axis_": ["n", "share"],
            "review_": ["uncertain", "random"],
            "alert_": ["spike_day", "spike_week", "version_jump"],
            "fw_": ["gartner", "harvard", "gartner_about", "harvard_about"],
            "status_": ["success", "failed", "running"],
        }.items()
        for code in codes
    }
    pages = {f"page_{p}" for p in PAGES} | {
        "overview_intro",
        "category_intro",
        "versions_intro",
        "offices_intro",
        "alerts_intro",
        "review_intro",
        "frameworks_intro",
        "runs_intro",
        "kpi_low",
        "kpi_low_help",
        "kpi_complaint",
        "kpi_complaint_help",
        "gartner_stage",
        "harvard_element",
    }
    missing = (used | dynamic | pages) - set(TEXTS)
    assert not missing


# -- `suara dashboard` -------------------------------------------------------------------------------------
def suara(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "suara.cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SUARA_DB": ""},
        **kw,
    )


def test_suara_dashboard_serves_http(fixture_db):
    port = free_port()
    proc = suara("dashboard", "--db", str(fixture_db), "--port", str(port))
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/", proc, 45, "suara dashboard")
        assert httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=5).text == "ok"
        assert f"http://127.0.0.1:{port}" in proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(15)


def test_the_server_skips_streamlits_collection_after_every_run_unless_asked():
    from dashboard.serve import streamlit_args

    assert streamlit_args(["run", "app.py", "--server.port", "1"]) == [
        "run", "app.py", "--server.port", "1", "--runner.postScriptGC", "false"
    ]  # fmt: skip
    asked = ["run", "app.py", "--runner.postScriptGC", "true"]
    assert streamlit_args(asked) == asked
    assert streamlit_args(["version"]) == ["version"]


def test_suara_dashboard_refuses_what_it_cannot_serve(tmp_path, fixture_db):
    proc = suara("dashboard", "--db", str(tmp_path / "none.duckdb"), "--port", str(free_port()))
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "does not exist yet" in err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        proc = suara("dashboard", "--db", str(fixture_db), "--port", str(busy.getsockname()[1]))
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "pick another with --port" in err


def test_fixture_period_is_what_the_tests_assume(fixture_db):
    assert period(fixture_db)[1].date() == date(2025, 3, 30)


# -- trends at real volume ----------------------------------------------------------------------------------
def test_the_bucket_follows_the_period_and_its_volume():
    assert trends.bucket_unit(7, 7) == "day"  # a week of sparse data: still days, a week would be one point
    assert trends.bucket_unit(30, 3000) == "day"
    assert trends.bucket_unit(30, 60) == "week"  # 2 a day: daily shares would swing, weeks hold 14
    assert trends.bucket_unit(90, 1300) == "week"
    assert trends.bucket_unit(1500, 17_000) == "month"  # "all time": months, not 220 weeks
    assert trends.bucket_unit(200, 60) == "month"


def test_buckets_keep_gaps_and_hide_thin_shares():
    days = pd.DataFrame(
        {
            "day": pd.to_datetime(["2025-01-06", "2025-01-07", "2025-01-20", "2025-02-03"]),
            "total": [30, 10, 3, 12],
        }
    )
    per_day = pd.DataFrame(
        {"day": pd.to_datetime(["2025-01-06", "2025-01-20"]), "category": ["x", "x"], "n": [8, 3]}
    )
    unit, out = trends.bucketed(days, per_day, ["x"], date(2025, 1, 6), date(2025, 2, 10))
    assert unit == "week"
    assert out["bucket"].dt.strftime("%m-%d").tolist() == ["01-06", "01-13", "01-20", "01-27", "02-03"]
    assert out["total"].tolist() == [40, 0, 3, 0, 12]  # empty weeks are there, as gaps
    assert out["n"].tolist() == [8, 0, 3, 0, 0]
    assert out["share"].iloc[0] == pytest.approx(0.2) and out["share"].iloc[4] == 0
    assert out["share"].iloc[1:4].isna().all()  # 3 of 3 is not "100%"; an empty week has no share


def test_trend_chart_breaks_lines_and_speaks_the_language(db):
    at = app()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    rules, lines = spec["layer"]  # the releases first seen in the period, under the lines
    assert rules["mark"]["type"] == "rule" and lines["mark"]["invalid"] == "break-paths-show-domains"
    at.button_group(key="lang").set_value("en").run()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["config"]["locale"]["number"]["decimal"] == "."
    assert any(c.value.startswith("Per week") for c in at.caption)


def test_numbers_follow_the_language():
    assert (num(7780), pct(0.309), pp(0.021)) == ("7.780", "30,9%", "+2,1 pp")


# -- Semua masukan ---------------------------------------------------------------------------------------
def test_feedback_page_finds_every_text(db):
    at = app("feedback")
    start, end = period(db)
    window = "f.created_at >= ? AND f.created_at < ?"
    (n,) = sql(db, f"SELECT count(*) FROM feedback f WHERE {window}", [start, end])[0]
    assert any(c.value == f"{num(n)} masukan" for c in at.caption)
    assert len(at.get("pagination")) == 1
    assert "\\[NIK\\]" in " ".join(m.value for m in at.markdown)  # newest first, masked
    at.text_input(key="search").input('"tidak masuk" email').run()
    (hits,) = sql(
        db,
        f"SELECT count(*) FROM feedback f WHERE {window} AND text ILIKE '%tidak masuk%' AND text ILIKE '%email%'",
        [start, end],
    )[0]
    assert 0 < hits < n and any(c.value == f"{hits} masukan" for c in at.caption)
    assert at.query_params["search"] == '"tidak masuk" email'


def test_feedback_page_sorts_and_shows_texts_without_a_category(db):
    at = app("feedback", category="none", sort="liked")
    start, end = period(db)
    rows = sql(
        db,
        "SELECT id, likes FROM feedback f WHERE f.created_at >= ? AND f.created_at < ? "
        "AND f.id NOT IN (SELECT feedback_id FROM effective_labels) ORDER BY likes DESC, created_at DESC, id",
        [start, end],
    )
    assert rows and any(c.value == f"{len(rows)} masukan" for c in at.caption)
    assert at.multiselect(key="category").value == ["none"]
    assert any("Kategori: tanpa kategori" == c.value for c in at.caption)
    if rows[0][1]:
        assert any(f"{rows[0][1]} suka" in c.value for c in at.caption)
    total, page = queries.texts(
        db, Filters(start=start.date(), end=end.date(), categories=("none",)), sort="liked"
    )
    assert total == len(rows) and page["id"].tolist() == [r[0] for r in rows[:20]]
    _, lowest = queries.texts(db, Filters(), sort="lowest", page_size=400)
    rated = lowest["rating"].notna()
    assert (
        lowest["rating"][rated].is_monotonic_increasing and not rated[rated.idxmin() :].any()
        if (~rated).any()
        else True
    )
    assert lowest["rating"][rated].is_monotonic_increasing


def test_offices_chart_counts_complaints_only(fixture_db):
    _, per_category = queries.offices(fixture_db, Filters())
    assert "praise" not in set(per_category["category"]) and len(per_category)


# -- every page and filter value --------------------------------------------------------------------------
FILTER_VALUES = [
    *[("period", p) for p in ("7d", "30d", "90d", "365d", "all", "custom")],
    *[("source", s) for s in ("play_store", "app_store", "twitter")],
    *[("rating", str(r)) for r in (1, 2, 3, 4, 5)],
    *[("version", v) for v in ("5.0.0", "5.1.0", "5.2.0")],
    ("app", "mpaspor"),
    ("lang", "en"),
    ("category", "none"),
    ("category", "praise"),
]
# Every category goes through the same WHERE clause; each is tried on the pages that list texts by it.
CATEGORY_VALUES = [("category", c) for c in load_taxonomy().ids]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_takes_every_filter_value(db, page):
    at = app(page)
    values = FILTER_VALUES + (CATEGORY_VALUES if page in ("overview", "feedback") else [])
    for key, value in values:
        at.query_params.clear()
        at.query_params[key] = value
        at.run()
        assert not at.exception, (page, key, value, [e.value for e in at.exception])
        assert not at.error, (page, key, value)
