"""The dashboard's language: its labels in Bahasa Indonesia or English, and its numbers to match.

The language is the sidebar switch (``lang`` in the URL, Indonesian unless it says ``en``). Labels
are ``TEXTS[key] = (indonesian, english)`` (dashboard/texts.py); ``t(key, **values)`` picks one and
fills it in. Numbers follow the language too: 1.234,5 in Indonesian, 1,234.5 in English; every
formatter takes ``language=`` for callers outside a Streamlit run (the PDF report, report/texts.py).
Category names come from data/taxonomy.toml.
"""

from __future__ import annotations

import streamlit as st

from dashboard.texts import TEXTS

LANGUAGES = {"id": "Indonesia", "en": "English"}


def lang() -> str:
    """The language the sidebar switch selected: 'id' unless it says 'en'."""
    try:
        value = st.session_state.get("lang")
    except Exception:  # outside a Streamlit run (the benchmark, a plain import)
        value = None
    return value if value in LANGUAGES else "id"


def t(key: str, language: str | None = None, **values) -> str:
    """The label ``key`` in the current language, with ``values`` filled in (integers as ``num``)."""
    text = TEXTS[key][0 if (language or lang()) == "id" else 1]
    values = {k: num(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in values.items()}
    return text.format(**values) if values else text


def formatter(prefix: str):
    """A widget's format_func for option codes: the label ``prefix + code``, in this run's language
    (fixed now: a format_func may be called after the run, as AppTest does)."""
    language = lang()
    return lambda code: t(f"{prefix}{code}", language=language)


def _localize(text: str, language: str | None = None) -> str:
    """1,234.5 -> 1.234,5 in Indonesian (``language``: this run's unless given, as the PDF report does)."""
    return text.translate(str.maketrans(",.", ".,")) if (language or lang()) == "id" else text


def num(value: float | int | None, language: str | None = None) -> str:
    if value is None or value != value:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return _localize(f"{value:,.1f}", language)
    return _localize(f"{int(value):,}", language)


def dec(value: float | None, digits: int = 2, language: str | None = None) -> str:
    """A plain decimal (a score, a confidence): 0,91 in Indonesian."""
    if value is None or value != value:
        return "–"
    return _localize(f"{value:,.{digits}f}", language)


def pct(share: float | None, signed: bool = False, digits: int = 1, language: str | None = None) -> str:
    if share is None or share != share:
        return "–"
    return _localize(f"{share * 100:{'+' if signed else ''},.{digits}f}%", language)


def pp(change: float, language: str | None = None) -> str:
    """A change of a share, in percentage points: +2,1 pp."""
    return _localize(f"{change * 100:+.1f}", language) + " pp"
