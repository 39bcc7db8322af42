"""The filters every page shares, kept in the URL so that a view is a link one can send.

Each filter widget is mirrored in a query parameter holding codes, not labels
(``?period=30d&source=play_store&rating=1&category=quota_full&lang=en``), so a link means the same
view in either language. ``bound`` draws a widget that way: before drawing, it takes the value from
the URL when the URL changed (a shared link, a link from another page), else keeps the session's;
after drawing, it writes the value back (or drops it at its default). ``Filters`` is the plain value
the queries take.

Relative periods ("last 90 days") end on the day of the newest feedback, not today, so a database
that stopped growing (the demo, a paused collector) still shows its data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import streamlit as st

from dashboard.apps import app_name
from dashboard.i18n import formatter, t
from suara.records import EARLIEST, latest_time

PERIODS = ("7d", "30d", "90d", "365d", "all", "custom")
PERIOD_DAYS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
DEFAULT_PERIOD = "90d"
RATINGS = (1, 2, 3, 4, 5)
SOURCE_NAMES = {
    "play_store": "Google Play",
    "app_store": "App Store",
    "twitter": "X / Twitter",
    "whatsapp": "WhatsApp",
    "instagram": "Instagram",
}
STATE_KEY = "_suara_filters"


@dataclass(frozen=True)
class Filters:
    start: date | None = None  # first day (UTC), inclusive; None: from the beginning
    end: date | None = None  # the day after the last (UTC), exclusive; None: up to now
    sources: tuple[str, ...] = ()  # empty: all
    apps: tuple[str, ...] = ()
    ratings: tuple[int, ...] = ()
    versions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def previous(self) -> Filters | None:
        """The same filters over the period of equal length just before (None for an open period)."""
        if not (self.start and self.end):
            return None
        return replace(self, start=self.start - (self.end - self.start), end=self.start)

    @property
    def days(self) -> int | None:
        return (self.end - self.start).days if self.start and self.end else None


def period_bounds(period: str, last_day: date | None, custom: tuple | list | None = None) -> tuple:
    """(start, end) of a period choice; end is exclusive. ``custom`` is the (first, last) date range."""
    if period == "custom" and custom:
        first = custom[0]
        last = custom[1] if len(custom) > 1 else first
        return first, last + timedelta(days=1)
    if period in PERIOD_DAYS and last_day:
        end = last_day + timedelta(days=1)
        return end - timedelta(days=PERIOD_DAYS[period]), end
    return None, None


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source)


# -- widgets mirrored in the URL ---------------------------------------------------------------
_PUBLISHED = "_suara_url"  # what this session last wrote to the URL, per key


def bound(widget, key: str, *, default, parse, encode=str, **kwargs):
    """Draw ``widget`` (e.g. ``st.multiselect``) with its value mirrored in the query parameter ``key``.

    ``parse`` turns the URL's values (a list of strings) into a widget value, or None when invalid.
    """
    published = st.session_state.setdefault(_PUBLISHED, {})
    raw = st.query_params.get_all(key)
    value = parse(raw) if raw and raw != published.get(key) else None
    if value is not None:
        st.session_state[key] = value
    elif key not in st.session_state:
        st.session_state[key] = default
    options = kwargs.get("options")
    if (
        options is not None
    ):  # the choices changed under a kept value (new filters, new data): keep what still fits
        kept = st.session_state[key]
        if isinstance(kept, list):
            st.session_state[key] = [v for v in kept if v in options]
        elif kept not in options:
            st.session_state[key] = default
    value = widget(key=key, **kwargs)
    if value is None or value == default or (isinstance(value, list | tuple) and not value):
        if key in st.query_params:
            del st.query_params[key]
        published[key] = []
    else:
        raw = [encode(v) for v in value] if isinstance(value, list | tuple) else [encode(value)]
        st.query_params[key] = raw if len(raw) > 1 else raw[0]
        published[key] = raw
    return value


def one_of(options):
    return lambda raw: raw[0] if raw[0] in options else None


def many_of(options, cast=str):
    """Repeated (?k=a&k=b) or comma-separated (?k=a,b) values, the valid ones only."""

    def parse(raw: list[str]):
        values = []
        for item in (v for r in raw for v in r.split(",")):
            try:
                value = cast(item.strip())
            except ValueError:
                continue
            if value in options and value not in values:
                values.append(value)
        return values or None

    return parse


def date_range(raw: list[str]):
    """The (first, last) days of a link's custom range, clamped to the days feedback can have
    (``suara.records``: from 2000-01-01 to tomorrow), so ``?dates=0001-01-01&dates=9999-12-31`` is
    "everything" and not a chart of eight thousand years."""
    try:
        days = tuple(date.fromisoformat(r) for r in raw[:2])
    except ValueError:
        return None
    low, high = EARLIEST.date(), latest_time().date()
    days = tuple(min(max(d, low), high) for d in days)
    return days if days and days[0] <= days[-1] else None


def whole_number(low: int, high: int):
    def parse(raw: list[str]):
        try:
            return min(max(int(raw[0]), low), high)
        except ValueError:
            return None

    return parse


def text(raw: list[str]):
    return raw[0][:200]


def sidebar(data_range: dict, options: dict, categories_for, category_label) -> Filters:
    """Draw the filter widgets in the sidebar and return the view they select. ``categories_for`` gives
    the category filter's values for the selected apps (the taxonomy's app scopes)."""
    last = data_range["last"]
    last_day = last.date() if isinstance(last, datetime) else last
    sb = st.sidebar
    sb.subheader(t("filters"))
    period = bound(
        sb.selectbox,
        "period",
        default=DEFAULT_PERIOD,
        parse=one_of(PERIODS),
        label=t("period"),
        options=PERIODS,
        format_func=formatter("period_"),
    )
    custom = None
    if period == "custom":
        default_end = last_day or date.today()
        custom = bound(
            sb.date_input,
            "dates",
            default=(default_end - timedelta(days=89), default_end),
            parse=date_range,
            encode=date.isoformat,
            label=t("dates"),
            format="YYYY-MM-DD",
            persist_state="session",
        )
    start, end = period_bounds(period, last_day, custom)
    if start and end:
        sb.caption(t("period_caption", start=start, last=end - timedelta(days=1)))
    multi = {"default": [], "placeholder": t("all")}
    sources = bound(
        sb.multiselect,
        "source",
        parse=many_of(options["sources"]),
        label=t("source"),
        options=options["sources"],
        format_func=source_name,
        **multi,
    )
    apps = bound(
        sb.multiselect,
        "app",
        parse=many_of(options["apps"]),
        label=t("app"),
        options=options["apps"],
        format_func=app_name,
        **multi,
    )
    ratings = bound(
        sb.multiselect,
        "rating",
        parse=many_of(RATINGS, int),
        label=t("rating"),
        options=RATINGS,
        format_func=lambda r: "★" * r,
        **multi,
    )
    versions = bound(
        sb.multiselect,
        "version",
        parse=many_of(options["versions"]),
        label=t("version"),
        options=options["versions"],
        **multi,
    )
    categories = categories_for(tuple(apps))
    cats = bound(
        sb.multiselect,
        "category",
        parse=many_of(categories),
        label=t("category"),
        options=categories,
        format_func=category_label,
        **multi,
    )
    filters = Filters(
        start=start,
        end=end,
        sources=tuple(sources),
        apps=tuple(apps),
        ratings=tuple(int(r) for r in ratings),
        versions=tuple(versions),
        categories=tuple(cats),
    )
    st.session_state[STATE_KEY] = filters
    return filters


def current() -> Filters:
    """The view the sidebar selected in this run (pages call this)."""
    return st.session_state.get(STATE_KEY) or Filters()
