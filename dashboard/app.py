"""Suara's dashboard: `suara dashboard` runs `streamlit run dashboard/app.py` (database in $SUARA_DB).

This main script draws what every page shares (navigation, language switch, filters, downloads) and
then runs the page the URL names; each page is one module in dashboard/views/. Nothing is loaded from
outside this server (a government network may be closed): the favicon is dashboard/favicon.png (sent
inline), and Streamlit serves its own fonts and icons.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(HERE.parent))

import streamlit as st  # noqa: E402

from dashboard import common, filters  # noqa: E402
from dashboard.i18n import LANGUAGES, t  # noqa: E402
from dashboard.queries.base import page_connection  # noqa: E402

# (module, url path, title key, icon); the first page is the landing page.
PAGES = [
    ("overview", "ringkasan", "page_overview", ":material/dashboard:"),
    ("category", "kategori", "page_category", ":material/category:"),
    ("feedback", "masukan", "page_feedback", ":material/forum:"),
    ("ratings", "rating", "page_ratings", ":material/star_half:"),
    ("versions", "versi", "page_versions", ":material/new_releases:"),
    ("offices", "kantor", "page_offices", ":material/apartment:"),
    ("compare", "bandingkan", "page_compare", ":material/compare_arrows:"),
    ("alerts", "peringatan", "page_alerts", ":material/notifications_active:"),
    ("review", "pelabelan", "page_review", ":material/label:"),
    ("topics", "topik", "page_topics", ":material/bubble_chart:"),
    ("replies", "tanggapan", "page_replies", ":material/reply:"),
    ("frameworks", "kerangka", "page_frameworks", ":material/account_tree:"),
    ("runs", "riwayat", "page_runs", ":material/history:"),
]

st.set_page_config(page_title="Suara", page_icon=common.FAVICON, layout="wide")

filters.bound(
    st.sidebar.segmented_control,
    "lang",
    default="id",
    parse=filters.one_of(LANGUAGES),
    label="Bahasa / Language",
    options=list(LANGUAGES),
    format_func=LANGUAGES.get,
    required=True,
)
page = st.navigation(
    [
        st.Page(HERE / "views" / f"{module}.py", title=t(title), url_path=url, icon=icon, default=(i == 0))
        for i, (module, url, title, icon) in enumerate(PAGES)
    ]
)

with page_connection():  # one read-only connection for this run's queries (dashboard/queries/base.py)
    data_range = common.fetch("data_range")
    options = common.fetch("filter_options")
    categories = common.categories_for  # the selected apps' categories and "tanpa kategori"
    view = filters.sidebar(data_range, options, categories, common.category_formatter())
    with st.sidebar.expander(t("download_view"), icon=":material/download:"):
        common.download_buttons(view, key="dl_view")

    page.run()
