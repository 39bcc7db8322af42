"""The ``pages`` stage: every dashboard page timed in headless Chromium, cold cache, 90 days and all time.

For each page of ``dashboard/app.py``'s ``PAGES`` a fresh dashboard server is started on the stage's
database the way `suara dashboard` starts it (``python -m dashboard.serve run``: modules preloaded,
Streamlit's cache empty, no DuckDB buffer warm); a new browser tab opens the page's address in each
view, the default last 90 days and then ``?period=all`` (whose page queries are cold too: other filters,
other cache entries; only the sidebar's data range and filter options are shared). The figure is how long
Streamlit's running indicator shows: from the app root's ``data-test-script-state`` turning
``running`` to its turning ``notRunning`` (what the status widget shows), noted in the page by a
MutationObserver injected before Streamlit's own scripts. The time from opening the tab (JavaScript
loading and the websocket included) is in the note, and so is the CPU time the server process used
for the page (every thread, from /proc: what the page costs on a machine busy with other work); a
row per page gives the slower view. A page that shows an exception or a
database error is an error, not a fast figure. Target: under a second each (issue 18).

The pages read a copy of the classified database on which the nightly's topic step has run (the state
`suara dashboard` finds each morning: ``topic_records.nightly_step``, discovery over the newest 9 weeks,
recorded), so Topik baru shows the recorded run as it does in production; its live discovery (no
recorded run within the period, or the analyst's "discover again") is not what these rows time.

Skipped cleanly where /usr/bin/chromium or Playwright is absent (``make browser`` installs them).
"""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.base import Ctx, copy_db, peak_mb, remove_db, row, skipped

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
VIEWS = (("90 days", ""), ("all time", "?period=all"))
# `suara dashboard`'s launcher; plain `streamlit run` for a checkout from before it existed (a baseline)
SERVER = "dashboard.serve" if (ROOT / "dashboard" / "serve.py").exists() else "streamlit"
TARGET_MS = 1000
# Injected before the page's own scripts: notes when the app root's script state first turns "running"
# and then "notRunning" (the running indicator shown, then gone), on the page's clock.
WATCH = """
window.__suara = {};
new MutationObserver(() => {
  const state = document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state');
  if (state === 'running' && window.__suara.running === undefined) window.__suara.running = performance.now();
  if (state === 'notRunning' && window.__suara.running !== undefined && window.__suara.done === undefined)
    window.__suara.done = performance.now();
}).observe(document, {subtree: true, attributes: true, childList: true, attributeFilter: ['data-test-script-state']});
"""


def pages() -> list[tuple[str, str]]:
    """(url path, title key) of every page, read from dashboard/app.py's PAGES (not imported: it is a
    Streamlit script)."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "PAGES" for t in node.targets):
            return [(url, title) for _module, url, title, _icon in ast.literal_eval(node.value)]
    raise RuntimeError(f"no PAGES list in {APP}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    """A dashboard server on a free port, as `suara dashboard` runs it; returns once it answers."""
    import httpx

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", SERVER, "run", str(APP), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", "--server.runOnSave", "false", "--client.toolbarMode", "viewer"],
        cwd=ROOT, env={**os.environ, "SUARA_DB": str(db), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the dashboard server did not answer within 90 s")
        time.sleep(0.2)


def time_page(browser, url: str) -> tuple[float, float]:
    """(milliseconds the running indicator showed, milliseconds from opening ``url`` in a new tab to the
    end of the page's first run: JavaScript loading and the websocket included)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        tab = context.new_page()
        tab.add_init_script(WATCH)
        tab.goto(url, wait_until="commit")
        tab.wait_for_function(
            "window.__suara && window.__suara.done !== undefined", timeout=120_000, polling=20
        )
        marks = tab.evaluate("window.__suara")
        if tab.get_by_test_id("stException").count():
            raise RuntimeError(
                f"{url} shows an exception: {tab.get_by_test_id('stException').first.inner_text()[:200]}"
            )
        alert = tab.get_by_test_id("stAlertContentError")
        if alert.count():
            raise RuntimeError(f"{url} shows an error: {alert.first.inner_text()[:200]}")
        return marks["done"] - marks["running"], marks["done"]
    finally:
        context.close()


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system, every thread) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def after_nightly(src: Path, dst: Path) -> Path:
    """A copy of ``src`` as the nightly leaves it for the dashboard: its topic step run and recorded."""
    from suara import topic_records
    from suara.store import Store

    copy_db(src, dst)
    topic_records.nightly_step(lambda: Store(dst), min_count=5)
    return dst


def stage_pages(ctx: Ctx) -> list[dict]:
    label = "dashboard page in Chromium, cold cache"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [skipped("pages", label, ctx.size, "Playwright is not installed (make browser)")]
    if not CHROMIUM.exists():
        return [skipped("pages", label, ctx.size, f"no {CHROMIUM} (make browser)")]
    labelled = ctx.db("cls").exists()
    db = after_nightly(ctx.db("cls"), ctx.db("pages")) if labelled else ctx.db("feed")
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            wanted = {p.strip() for p in (ctx.pages or "").split(",") if p.strip()}
            for path, _title in pages():
                if wanted and path not in wanted:
                    continue
                proc, url = start_server(db)  # a fresh server per page: nothing cached, nothing warm
                times, cpu = {}, {}
                try:
                    for view, query in VIEWS:
                        before = cpu_seconds(proc.pid)
                        times[view] = time_page(browser, f"{url}/{path}{query}")
                        cpu[view] = cpu_seconds(proc.pid) - before
                finally:
                    proc.terminate()
                    proc.wait(30)
                worst = max(run for run, _ in times.values())
                rows.append(row(
                    "pages", f"dashboard page /{path} in Chromium, cold cache", ctx.size, worst, "ms",
                    target=f"< {TARGET_MS} ms", ok=worst < TARGET_MS, rss_mb=peak_mb(), seconds=worst / 1000,
                    cpu=max(cpu.values()),
                    note="running indicator shown: " + ", ".join(f"{v} {r:.0f} ms" for v, (r, _) in times.items())
                    + "; server CPU: " + ", ".join(f"{v} {c * 1000:.0f} ms" for v, c in cpu.items())
                    + "; from opening the tab: " + ", ".join(f"{v} {t:.0f} ms" for v, (_, t) in times.items())
                    + ("" if labelled else "; no labels (no model)"),
                ))  # fmt: skip
        finally:
            browser.close()
            if labelled:
                remove_db(db)
    return rows
