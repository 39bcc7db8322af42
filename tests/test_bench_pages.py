"""The benchmark's pages stage (bench/pages.py): it times every page of the dashboard's navigation, and
is reported as skipped, not failed, where Chromium is absent."""

from __future__ import annotations

from pathlib import Path

from bench import pages
from bench.base import Ctx


def test_every_page_of_the_navigation_is_timed():
    paths = [path for path, _ in pages.pages()]
    assert paths[0] == "ringkasan" and "kategori" in paths and len(paths) == len(set(paths)) >= 10
    app = (Path(pages.__file__).parent.parent / "dashboard" / "app.py").read_text(encoding="utf-8")
    assert all(f'"{path}"' in app for path in paths)


def test_without_chromium_the_stage_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(pages, "CHROMIUM", tmp_path / "no-chromium")
    rows = pages.stage_pages(Ctx(size=100, seed=1, corpus="", work=str(tmp_path)))
    assert [r["status"] for r in rows] == ["skipped"]
    assert "chromium" in rows[0]["note"]


def test_cpu_seconds_reads_this_process():
    import os

    spent = pages.cpu_seconds(os.getpid())
    sum(i * i for i in range(300_000))
    assert pages.cpu_seconds(os.getpid()) >= spent > 0
