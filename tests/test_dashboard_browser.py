"""End to end in a real browser: Debian's Chromium driven by Playwright against `streamlit run`.

Loads the overview, reads a figure, changes a filter, reads it again (both equal to SQL on the same
file), checks the view became a link, downloads the CSV of the view, and leaves a screenshot in
tests/artifacts/. Then visits every page at desktop width and at a phone's 400 px, and asserts that
no request left the host: a dashboard on a closed network must need nothing from outside (fonts,
icons, favicons included). Skipped only where /usr/bin/chromium is absent (`make browser` installs it).
"""

from __future__ import annotations

import base64
import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.dashboard_fixture import NIK_DIGITS, NIKS, build
from tests.serving import free_port, wait_until_serving

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (run `make browser`)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = build(tmp_path_factory.mktemp("browser") / "suara.duckdb")
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard" / "app.py"),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],  # fmt: skip
        cwd=ROOT,
        env={**os.environ, "SUARA_DB": str(db)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{url}/_stcore/health", proc, 45, "streamlit")
        yield url, db
    finally:
        proc.terminate()
        proc.wait(15)


def feedback_in_default_view(db: Path, where: str = "true") -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            f"""
            WITH last AS (SELECT max(created_at)::DATE + 1 AS d FROM feedback)
            SELECT count(*) FROM feedback f, last
            WHERE f.created_at >= last.d - INTERVAL 90 DAY AND f.created_at < last.d AND {where}
            """
        ).fetchone()[0]


def test_overview_in_chromium(server):
    from playwright.sync_api import expect, sync_playwright

    url, db = server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
            page.goto(url)
            count = (
                page.get_by_test_id("stMetric")
                .filter(has_text="Jumlah masukan")
                .get_by_test_id("stMetricValue")
            )
            expect(count).to_have_text(str(feedback_in_default_view(db)), timeout=30_000)
            # the favicon, dashboard/favicon.png, sent inline
            icon = page.locator("link[rel~='icon']").first.get_attribute("href")
            favicon = (ROOT / "dashboard" / "favicon.png").read_bytes()
            assert icon == "data:image/png;base64," + base64.b64encode(favicon).decode("ascii")

            page.get_by_test_id("stMultiSelect").filter(has_text="Sumber").click()
            page.get_by_role("option", name="App Store").click()
            page.keyboard.press("Escape")
            expect(count).to_have_text(
                str(feedback_in_default_view(db, "f.source = 'app_store'")), timeout=30_000
            )
            expect(page).to_have_url(re.compile(r"[?&]source=app_store"))
            page.wait_for_timeout(1000)  # let the charts settle for the screenshot
            page.screenshot(path=str(ARTIFACTS / "overview.png"))

            # The address is the view: opened afresh, it shows the same figure.
            fresh = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
            fresh.goto(page.url)
            again = (
                fresh.get_by_test_id("stMetric")
                .filter(has_text="Jumlah masukan")
                .get_by_test_id("stMetricValue")
            )
            expect(again).to_have_text(
                str(feedback_in_default_view(db, "f.source = 'app_store'")), timeout=30_000
            )

            # The CSV of the view is built on click, masked.
            fresh.get_by_text("Unduh tampilan ini").click()
            with fresh.expect_download(timeout=30_000) as download:
                fresh.get_by_test_id("stDownloadButton").filter(has_text="CSV").click()
            data = Path(download.value.path()).read_text(encoding="utf-8-sig")
            rows = list(csv.DictReader(io.StringIO(data)))
            assert len(rows) == feedback_in_default_view(db, "f.source = 'app_store'")
            assert {r["source"] for r in rows} == {"app_store"}
            assert not any(nik in data for nik in (*NIKS, *NIK_DIGITS))
        finally:
            browser.close()


PAGES = [
    "",  # the landing page
    "kategori",
    "masukan",
    "rating",
    "versi",
    "kantor",
    "bandingkan",
    "peringatan",
    "pelabelan",
    "kerangka",
    "riwayat",
    "tanggapan",
]


def test_every_page_at_two_widths_without_outside_requests(server):
    from urllib.parse import urlsplit

    from playwright.sync_api import expect, sync_playwright

    url, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    outside = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for width, height in ((1366, 900), (400, 860)):
                context = browser.new_context(viewport={"width": width, "height": height})
                context.on(
                    "request",
                    lambda r: (
                        outside.append(r.url)
                        if urlsplit(r.url).hostname not in ("127.0.0.1", None)
                        and not r.url.startswith("data:")
                        else None
                    ),
                )
                page = context.new_page()
                for path in PAGES:
                    page.goto(f"{url}/{path}")
                    expect(page.get_by_test_id("stApp")).to_be_visible(timeout=30_000)
                    expect(page.locator("h1").first).to_be_visible(timeout=30_000)
                    page.wait_for_load_state("networkidle")
                    assert not page.get_by_test_id("stException").count(), (path, width)
                    assert not page.get_by_text("Page not found").count(), (path, width)
                    if path == "tanggapan":  # the response figures and the queue, read-only without a login
                        expect(page.get_by_text("Porsi dijawab").first).to_be_visible(timeout=30_000)
                        expect(page.get_by_text("Belum dijawab", exact=True)).to_be_visible(timeout=30_000)
                    if path in ("", "versi", "masukan", "tanggapan"):
                        page.wait_for_timeout(800)
                        name = path or "ringkasan"
                        page.screenshot(path=str(ARTIFACTS / f"{name}_{width}.png"), full_page=True)
                context.close()
        finally:
            browser.close()
    assert not outside, sorted(set(outside))
