"""The monthly report for leadership: one month's figures against the month before, as a PDF.

``report.data`` gathers (SQL aggregates through the dashboard's queries, texts masked),
``report.charts`` draws the charts (Altair, rendered offline to PNG by vl-convert), ``report.pdf``
lays out the document (reportlab) in Bahasa Indonesia or English (``report.texts``). ``suara report``
(suara/cli_report.py) and the overview page's download both call ``report.build``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path


def build(
    db: str | Path, month: date, lang: str = "id", app: str | None = None, app_name: str | None = None
) -> bytes:
    """The report for ``month`` (its first day) as PDF bytes, for every app or ``app`` (shown as
    ``app_name``); raises ``report.data.NoData`` if the month has no feedback."""
    from report.data import gather
    from report.pdf import render

    return render(gather(db, month, app), lang=lang, app_name=app_name)
