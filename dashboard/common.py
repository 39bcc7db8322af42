"""What every page shares: the database path, cached queries with clear errors, labels, texts, downloads.

Queries go through ``fetch``, which caches each result for ``CACHE_TTL`` seconds (so a page reruns
fast while the analyst clicks) and turns a missing, locked or broken database into one message on
screen instead of a traceback. Every citizen's text passes through ``nlp.pii.mask`` before it is
shown or downloaded.
"""

from __future__ import annotations

import base64
import io
import os
import re
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboard import apps as apps_mod
from dashboard import queries
from dashboard.filters import Filters, source_name
from dashboard.i18n import lang, pct, t
from nlp.pii import mask
from suara.config import ConfigError, load_settings
from suara.export import safe_frame
from suara.store import StoreError, StoreLocked
from suara.taxonomy import load_taxonomy

# dashboard/favicon.png as a data URL, read once per process: given the file's path, Streamlit decodes
# and re-encodes the image with PIL on every page run (10-15 ms); a data URL it passes on as it is.
FAVICON = "data:image/png;base64," + base64.b64encode(
    (Path(__file__).with_name("favicon.png")).read_bytes()
).decode("ascii")
CACHE_TTL = 60  # seconds a figure may lag behind the database (what the nightly job commits shows within it)
EXPORT_LIMIT = 100_000  # rows in one download; `suara export` writes any number
SENTIMENT_EN = {"negatif": "negative", "netral": "neutral", "positif": "positive"}  # nlp/sentiment.py LABELS
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$:])")


def db_path() -> Path:
    """The database: $SUARA_DB (which `suara dashboard` sets), else the configuration's."""
    env = os.environ.get("SUARA_DB")
    if env:
        return Path(env)
    try:
        return load_settings().db_path
    except ConfigError as exc:
        st.error(str(exc))
        st.stop()


@st.cache_data(ttl=CACHE_TTL, show_spinner=False, max_entries=1000)
def _cached(name: str, db: str, *args):
    return getattr(queries, name)(db, *args)


def fetch(name: str, *args):
    """``queries.<name>(db, *args)``, cached; a database problem stops the page with a clear message."""
    db = db_path()
    try:
        return _cached(name, str(db), *args)
    except StoreLocked:
        st.error(t("db_locked", db=db))
    except StoreError as exc:
        st.error(t("db_missing", db=db) if not db.exists() else t("db_error", db=db, detail=exc))
    except duckdb.Error as exc:
        st.error(t("db_error", db=db, detail=str(exc).splitlines()[0]))
    st.stop()


def clear_cache() -> None:
    _cached.clear()


# -- labels --------------------------------------------------------------------------------------
def taxonomy():
    return load_taxonomy()


def categories_for(apps: tuple[str, ...]) -> list[str]:
    """The category filter's values for the selected apps: their taxonomy scope, and "tanpa kategori"."""
    return [*apps_mod.categories_for(apps), queries.UNCATEGORIZED]


def category_label(category_id: str, language: str | None = None) -> str:
    if category_id == queries.UNCATEGORIZED:
        return t("no_category", language=language)
    try:
        return taxonomy().get(category_id).label(language or lang())
    except KeyError:
        return category_id


def category_formatter():
    """category_label as a widget's format_func, in this run's language (see i18n.formatter)."""
    language = lang()
    return lambda category_id: category_label(category_id, language)


def category_labels(ids: str | None) -> str:
    """'app_error, quota_full' -> their labels in the current language."""
    return ", ".join(category_label(c.strip()) for c in (ids or "").split(",") if c.strip())


def md(text: str | None) -> str:
    """Masked and escaped for Markdown: a citizen's text shows as written, never as formatting."""
    return _MD_SPECIAL.sub(r"\\\1", mask(text) or "")


def safe_url(url: str | None) -> str | None:
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def header(title_key: str, intro_key: str | None = None) -> None:
    st.title(t(title_key))
    if intro_key:
        st.caption(t(intro_key))


def period_caption(f: Filters) -> str:
    if not (f.start and f.end):
        return t("period_all_caption")
    prev = f.previous()
    day = timedelta(days=1)
    return t("period_compare", start=f.start, last=f.end - day, pstart=prev.start, plast=prev.end - day)


def require_data() -> None:
    """Stop with what to do when the database holds no feedback at all."""
    if not fetch("data_range")["n"]:
        st.info(t("no_data"))
        st.stop()


# -- texts ---------------------------------------------------------------------------------------
def shown_page(key: str) -> int:
    """The page the ``st.pagination`` widget ``key`` shows (1 before it is used): the texts of that page
    are fetched with their count in one call, before the widget that needs the count is drawn."""
    value = st.session_state.get(key)
    return value if isinstance(value, int) and value >= 1 else 1


def text_cards(rows: pd.DataFrame, score: bool = False, all_categories: bool = False) -> None:
    """One bordered card per text: date, source, rating, version, (likes), (score), link; then the text
    and its categories (``all_categories``: "no category" too, where it has none)."""
    for row in rows.itertuples(index=False):
        with st.container(border=True):
            meta = [
                f"{row.created_at:%Y-%m-%d %H:%M}",
                source_name(row.source),
                "★" * int(row.rating) if pd.notna(row.rating) else t("no_rating"),
                f"v{row.app_version}" if isinstance(row.app_version, str) else t("no_version"),
            ]
            likes = getattr(row, "likes", None)
            if pd.notna(likes) and likes:
                meta.append(t("likes", n=int(likes)))
            feeling = getattr(row, "sentiment", None)
            if isinstance(feeling, str):
                meta.append(
                    t(
                        "sentiment_of_text",
                        s=feeling if lang() == "id" else SENTIMENT_EN.get(feeling, feeling),
                    )
                )
            shows_score = score and pd.notna(getattr(row, "score", None))
            if shows_score:
                meta.append(t("score", score=pct(row.score, digits=0)))
            url = safe_url(row.url)
            if url:
                meta.append(f"[{t('open_original')}]({url})")
            st.caption(" · ".join(meta), help=t("score_help") if shows_score else None)
            if isinstance(row.title, str) and row.title:
                st.markdown(f"**{md(row.title)}**")
            st.markdown(md(row.text))
            cats = getattr(row, "categories", None)
            if isinstance(cats, str) and cats:
                st.caption(t("categories_of_text", cats=category_labels(cats)))
            elif all_categories:
                st.caption(t("categories_of_text", cats=t("no_category")))


# -- downloads -----------------------------------------------------------------------------------
def export_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    """A masked, formula-safe CSV or Excel file of ``df`` (see suara.export)."""
    safe = safe_frame(df, mask)
    if fmt == "csv":
        return safe.to_csv(index=False).encode("utf-8-sig")  # the BOM lets Excel read UTF-8
    buf = io.BytesIO()
    safe.to_excel(buf, index=False, engine="openpyxl")
    return buf.getvalue()


def download_buttons(
    f: Filters,
    key: str,
    category: str | None = None,
    search: str | None = None,
    where=None,
    sort: str = "newest",
) -> None:
    """CSV and Excel of the current view, built only when clicked (masked, at most EXPORT_LIMIT rows)."""
    db = str(db_path())
    where = where or st
    last = f.end - timedelta(days=1) if f.end else "kini"
    name = f"suara_{category or 'feedback'}_{f.start or 'awal'}_{last}"

    def build(fmt: str):
        return lambda: export_bytes(queries.export_rows(db, f, category, search, EXPORT_LIMIT, sort), fmt)

    cols = where.columns(2)
    cols[0].download_button(
        "CSV",
        build("csv"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
    )
    cols[1].download_button(
        "Excel",
        build("xlsx"),
        file_name=f"{name}.xlsx",
        key=f"{key}_xlsx",
        on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        width="stretch",
    )
    where.caption(t("download_note", limit=EXPORT_LIMIT))
