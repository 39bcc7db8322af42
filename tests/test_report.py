"""`suara report` end to end on the demo corpus: a valid PDF with the month's figures, masked examples,
both languages, whole-or-nothing writes, one-line errors, no network; and the overview's download."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest, app_test
from typer.testing import CliRunner

from dashboard.i18n import dec, num, pct
from nlp.offices import load_offices
from suara.cli import app
from suara.human_labels import save_human_labels
from suara.store import Store
from suara.taxonomy import load_taxonomy
from tests.faults import assert_one_line_error, mounts_available, suara

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo" / "feedback.jsonl"
EMAIL, NIK = "budi.santoso77@contoh.co.id", "3201 2345 6789 0123"
PLANTED = f"Aplikasinya error terus, force close tiap buka. Hubungi saya {EMAIL} NIK {NIK} tolong dibantu"
runner = CliRunner()
NOT_COMPLAINTS = [c.id for c in load_taxonomy().categories if not c.complaint]


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def sql(db: Path, query: str, params=None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def month_bounds(first: date) -> tuple[datetime, datetime]:
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return datetime(first.year, first.month, 1), datetime(nxt.year, nxt.month, 1)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> tuple[Path, date]:
    """The demo corpus loaded and classified through the CLI (as `make demo` does), plus one planted
    review with an e-mail address and a NIK, the most liked of the newest month's top complaint."""
    db = tmp_path_factory.mktemp("report") / "suara.duckdb"
    for args in (("init",), ("import", DEMO), ("classify", "--if-model")):
        res = cli(*args, "--db", db)
        assert res.exit_code == 0, res.output
    (newest,) = sql(db, "SELECT max(created_at) FROM feedback")[0]
    month = newest.date().replace(day=1)
    start, end = month_bounds(month)
    (top,) = sql(
        db,
        "SELECT l.category FROM feedback f JOIN effective_labels l ON l.feedback_id = f.id "
        "WHERE f.created_at >= ? AND f.created_at < ? AND NOT list_contains(?, l.category) "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
        [start, end, NOT_COMPLAINTS],
    )[0]
    planted = {
        "source": "play_store", "native_id": "planted-pii", "app_id": "mpaspor", "author": "Budi",
        "text": PLANTED, "rating": 1, "likes": 99_999, "app_version": None, "created_at": newest.isoformat(),
    }  # fmt: skip
    with Store(db) as store:
        store.upsert_feedback([planted])
        save_human_labels(store, [("play_store:planted-pii", [top], "penguji")])
    return db, month


def pdf_text(path: Path) -> tuple[int, str]:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    reader = PdfReader(path)
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def flat(text: str) -> str:
    """The PDF's text with line breaks as spaces (a long example wraps)."""
    return " ".join(text.split())


def truth(db: Path, month: date, app: str | None = None) -> dict:
    """The month's figures straight from the tables (for all apps, or ``app``)."""
    start, end = month_bounds(month)
    scope = "f.created_at >= ? AND f.created_at < ?" + (" AND f.app_id = ?" if app else "")
    args = [start, end, *([app] if app else [])]
    n, avg = sql(db, f"SELECT count(*), avg(rating) FROM feedback f WHERE {scope}", args)[0]
    (complaints,) = sql(
        db,
        "SELECT count(DISTINCT f.id) FROM feedback f JOIN effective_labels l ON l.feedback_id = f.id "
        f"WHERE {scope} AND NOT list_contains(?, l.category)",
        [*args, NOT_COMPLAINTS],
    )[0]
    stores, answered = sql(
        db,
        "SELECT count(*), count(*) FILTER (WHERE coalesce(trim(reply_text), '') <> '') FROM feedback f "
        f"WHERE {scope} AND source IN ('play_store', 'app_store')",
        args,
    )[0]
    office = sql(
        db,
        "SELECT o.office_id FROM feedback_offices o JOIN feedback f ON f.id = o.feedback_id "
        f"WHERE {scope} AND o.feedback_id IN "
        "(SELECT feedback_id FROM effective_labels WHERE NOT list_contains(?, category)) "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
        [*args, NOT_COMPLAINTS],
    )
    release = sql(
        db,
        f"SELECT app_version FROM feedback f WHERE {scope} AND app_version IS NOT NULL "
        "GROUP BY 1 HAVING count(*) >= 20 ORDER BY count(*) DESC LIMIT 1",
        args,
    )
    names = {o.office_id: o.short_name for o in load_offices()}
    return {
        "n": n,
        "avg": avg,
        "complaint_share": complaints / n,
        "response": answered / stores if stores else None,
        "office": names[office[0][0]] if office else None,
        "release": release[0][0] if release else None,
    }


def test_report_holds_the_months_figures_and_masked_examples(demo_db, tmp_path):
    db, month = demo_db
    out = tmp_path / "laporan.pdf"
    res = cli("report", "--month", f"{month:%Y-%m}", "--out", out, "--db", db)
    assert res.exit_code == 0, res.output
    assert str(out) in res.output
    pages, text = pdf_text(out)
    assert pages >= 2
    t = truth(db, month)
    text = flat(text)
    assert "Laporan bulanan masukan warga" in text and "Angka utama" in text and "Keluhan teratas" in text
    months_id = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                 "Oktober", "November", "Desember"]  # fmt: skip
    assert f"{months_id[month.month - 1]} {month.year}" in text
    for figure in (num(t["n"], "id"), pct(t["complaint_share"], language="id"), dec(t["avg"], language="id")):
        assert figure in text, figure
    assert pct(t["response"], language="id") in text
    if t["office"]:
        assert t["office"] in text
    if t["release"]:
        assert t["release"] in text
    # the planted review is an example of its category, masked
    assert "Hubungi saya [EMAIL] NIK [NIK]" in text
    assert EMAIL not in text and NIK not in text and NIK.replace(" ", "") not in text
    assert "budi.santoso77" not in text


def test_report_in_english(demo_db, tmp_path):
    db, month = demo_db
    out = tmp_path / "report.pdf"
    res = cli(
        "report", "--month", f"{month:%Y-%m}", "--out", out, "--lang", "en", "--app", "mpaspor", "--db", db
    )
    assert res.exit_code == 0, res.output
    _, text = pdf_text(out)
    text = flat(text)
    t = truth(db, month, app="mpaspor")
    assert "Monthly report on citizens' feedback" in text and "Top complaints" in text
    assert f"M-Paspor · {month:%B %Y}" in text  # the app's name from the configuration
    assert f"from {num(t['n'], 'en')} feedback items" in text
    assert dec(t["avg"], language="en") in text and pct(t["complaint_share"], language="en") in text
    assert "Angka utama" not in text
    assert "[EMAIL]" in text and EMAIL not in text


def test_an_app_by_its_name_or_an_unknown_app(demo_db, tmp_path):
    db, month = demo_db
    by_key, by_name = tmp_path / "key.pdf", tmp_path / "name.pdf"
    assert (
        cli("report", "--month", f"{month:%Y-%m}", "--out", by_key, "--app", "mpaspor", "--db", db).exit_code
        == 0
    )
    res = cli("report", "--month", f"{month:%Y-%m}", "--out", by_name, "--app", "m-paspor", "--db", db)
    assert res.exit_code == 0, res.output
    assert flat(pdf_text(by_name)[1]) == flat(pdf_text(by_key)[1])
    run = suara(
        "report", "--month", f"{month:%Y-%m}", "--out", tmp_path / "x.pdf", "--app", "jkn", "--db", db
    )
    assert_one_line_error(run, code=1, mentions=["for app jkn", "configured: mpaspor"])


def test_a_month_without_feedback_is_refused_and_writes_nothing(demo_db, tmp_path):
    db, month = demo_db
    out = tmp_path / "kosong.pdf"
    run = suara("report", "--month", "2031-01", "--out", out, "--db", db)
    line = assert_one_line_error(run, code=1, mentions=["--month 2031-01", "no feedback", f"{month:%Y-%m}"])
    assert "pick another month" in line
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("month", ["2026-13", "2026/10", "nov"])
def test_a_bad_month_is_one_line(demo_db, tmp_path, month):
    db, _ = demo_db
    run = suara("report", "--month", month, "--out", tmp_path / "x.pdf", "--db", db)
    assert_one_line_error(run, code=1, mentions=["--month", "YYYY-MM"])
    assert list(tmp_path.iterdir()) == []


def test_an_out_that_cannot_be_written_is_one_line(demo_db, tmp_path):
    db, month = demo_db
    m = f"{month:%Y-%m}"
    run = suara("report", "--month", m, "--out", tmp_path / "nope" / "x.pdf", "--db", db)
    assert_one_line_error(run, code=1, mentions=["--out", "does not exist"])
    run = suara("report", "--month", m, "--out", tmp_path, "--db", db)
    assert_one_line_error(run, code=1, mentions=["--out", "is a directory"])
    (tmp_path / "berkas").write_text("x")
    run = suara("report", "--month", m, "--out", tmp_path / "berkas" / "x.pdf", "--db", db)
    assert_one_line_error(run, code=1, mentions=["--out", "is not a folder"])
    run = suara("report", "--month", m, "--out", tmp_path / "x.pdf", "--db", tmp_path / "none.duckdb")
    assert_one_line_error(run, code=2, mentions=["none.duckdb", "suara init"])


@pytest.mark.skipif(not mounts_available(), reason="needs a private mount namespace for a read-only folder")
def test_a_read_only_folder_is_one_line(demo_db, tmp_path):
    db, month = demo_db
    folder = tmp_path / "ro"
    folder.mkdir()
    run = suara(
        "report", "--month", f"{month:%Y-%m}", "--out", folder / "x.pdf", "--db", db, readonly=[folder]
    )
    assert_one_line_error(run, code=1, mentions=["--out", "cannot write"])
    assert list(folder.iterdir()) == []


def test_a_full_disk_leaves_the_old_report_whole_and_no_part_file(demo_db, tmp_path):
    db, month = demo_db
    out = tmp_path / "laporan.pdf"
    out.write_bytes(b"%PDF-1.4 the report of last time")
    run = suara("report", "--month", f"{month:%Y-%m}", "--out", out, "--db", db, fsize_limit=20_000)
    assert_one_line_error(run, code=1, mentions=["--out", "laporan.pdf", "File too large"])
    assert out.read_bytes() == b"%PDF-1.4 the report of last time"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["laporan.pdf"]


def _no_network() -> list[str] | None:
    """A command prefix that runs a program without any network (a new network namespace), or None."""
    if not shutil.which("unshare"):
        return None
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            return prefix
    return None


@pytest.mark.skipif(_no_network() is None, reason="needs unshare for a network namespace")
def test_the_report_renders_without_network(demo_db, tmp_path):
    """vl-convert draws the charts from inline data with its bundled Vega: no CDN, no font download."""
    db, month = demo_db
    out = tmp_path / "offline.pdf"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [*_no_network(), sys.executable, "-m", "suara.cli", "report", "--month", f"{month:%Y-%m}",
         "--out", str(out), "--db", str(db)],
        capture_output=True, text=True, env=env, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert pdf_text(out)[0] >= 2


# -- the overview page's download -------------------------------------------------------------------------
class _RecordingMedia(MediaFileManager):
    """AppTest's own in-memory media manager, kept so the test can ask it for a deferred download."""

    made: list[MediaFileManager] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _RecordingMedia.made.append(self)


def test_overview_downloads_the_report_of_the_chosen_month(demo_db, monkeypatch):
    db, month = demo_db
    monkeypatch.setenv("SUARA_DB", str(db))
    monkeypatch.setattr(app_test, "MediaFileManager", _RecordingMedia)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.query_params.update(lang="en")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (button,) = [b for b in at.download_button if b.label == "Monthly report (PDF)"]
    choice = next(s for s in at.selectbox if s.label == "Report month")
    assert choice.value == month  # the month the default period ends in
    url = _RecordingMedia.made[-1].execute_deferred(button.proto.deferred_file_id)  # what a click fetches
    stored = _RecordingMedia.made[-1]._storage.get_file(url.rsplit("/", 1)[-1].split(".")[0])
    assert stored.mimetype == "application/pdf" and stored.content.startswith(b"%PDF-")
    path = Path(db).parent / "from_page.pdf"
    path.write_bytes(stored.content)
    _, text = pdf_text(path)
    assert "Monthly report on citizens' feedback" in text and f"{month:%B %Y}" in text
    assert EMAIL not in text


def test_overview_report_button_in_indonesian(demo_db, monkeypatch):
    db, _ = demo_db
    monkeypatch.setenv("SUARA_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Laporan bulanan (PDF)" in [b.label for b in at.download_button]
    assert "Bulan laporan" in [s.label for s in at.selectbox]


def test_a_rough_category_is_marked_and_explained_in_the_report(demo_db, tmp_path):
    db, month = demo_db
    copy = tmp_path / "suara.duckdb"
    shutil.copy(db, copy)
    with Store(copy) as store:  # a model whose figures on real reviews call app_error, and only it, rough
        figures = {
            "app_error": {"precision": 0.5, "recall": 0.6, "f1": 0.55, "support": 300},
            "quota_full": {"precision": 0.84, "recall": 0.88, "f1": 0.86, "support": 240},
        }
        store.register_model(
            "20261207-rough", "data/models/x", {"validation_real": {"per_category": figures}}, 1
        )
    out = tmp_path / "rough.pdf"
    assert cli("report", "--month", f"{month:%Y-%m}", "--out", out, "--db", copy).exit_code == 0
    text = flat(pdf_text(out)[1])
    label = load_taxonomy().get("app_error").label_id
    assert f"{label} (perkiraan kasar):" in text and "angkanya hanya menunjukkan arah" in text
    assert text.count("(perkiraan kasar)") == 1  # quota_full is measured well; the others not at all
