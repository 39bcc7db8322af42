"""The overview page's download of the monthly PDF report (report/), for a month the store holds.

The PDF is built only when the button is clicked (Streamlit calls the data function then), in the
page's language, for the one app the sidebar selects or else for all apps, from every source (the
report is the month's whole picture; the sidebar's other filters do not narrow it). The months offered
are those with feedback, the one the selected period ends in first. The month list is one aggregate
query, cached like every figure.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import streamlit as st

from dashboard import common
from dashboard.filters import Filters
from dashboard.i18n import lang, t
from suara.store import StoreError


@st.cache_data(ttl=common.CACHE_TTL, show_spinner=False)
def _months(db: str, app: str | None) -> list[date]:
    from report.data import months_with_data

    return months_with_data(db, app=app)


def render(f: Filters) -> None:
    """A month choice and the "Laporan bulanan (PDF)" button, side by side."""
    from report import build

    db = str(common.db_path())
    app = f.apps[0] if len(f.apps) == 1 else None
    try:
        months = _months(db, app)
    except (StoreError, duckdb.Error):  # locked since the figures above were read: the button waits
        return
    if not months:
        return
    language = lang()
    end_month = (f.end - timedelta(days=1)).replace(day=1) if f.end else months[0]
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    month = left.selectbox(
        t("report_month"),
        months,
        index=months.index(end_month) if end_month in months else 0,
        format_func=lambda d: f"{d:%Y-%m}",
        key="report_month",
    )
    right.download_button(
        t("report_download"),
        lambda: build(db, month, lang=language, app=app),
        file_name=f"laporan_suara_{month:%Y-%m}{'_' + app if app else ''}.pdf",
        mime="application/pdf",
        key="report_pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        help=t("report_help"),
    )
