"""Altair charts shared by the pages, sized and labelled for a laptop screen and readable at 400 px.

Every chart speaks the page's language: its axes and tooltips format numbers and months with the
language's locale (``LOCALES``: 30,9% and 7.780 in Indonesian, 30.9% and 7,780 in English), and
values printed on marks are strings made by dashboard.i18n, so a chart reads like the cards beside it.
Heights given to Altair include the axes (Streamlit fits the chart with ``autosize: fit``), so they
grow with the number of rows a chart shows. Trend lines break where a bucket has no share to show
(too few texts), they never bridge a gap.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.i18n import dec, lang, num, pct, pp, t

HEIGHT = 320
_ID_MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
              "Oktober", "November", "Desember"]  # fmt: skip
_EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]  # fmt: skip
LOCALES = {  # d3-format and d3-time-format locales, as Vega-Lite's config.locale takes them
    "id": {
        "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["Rp", ""]},
        "time": {
            "dateTime": "%A, %e %B %Y %X",
            "date": "%d/%m/%Y",
            "time": "%H.%M.%S",
            "periods": ["AM", "PM"],
            "days": ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"],
            "shortDays": ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
            "months": _ID_MONTHS,
            "shortMonths": [m[:3] for m in _ID_MONTHS[:7]] + ["Agu", "Sep", "Okt", "Nov", "Des"],
        },
    },
    "en": {
        "number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]},
        "time": {
            "dateTime": "%a %b %e %X %Y",
            "date": "%m/%d/%Y",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
            "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
            "months": _EN_MONTHS,
            "shortMonths": [m[:3] for m in _EN_MONTHS],
        },
    },
}
AXIS_DATE = {"day": "%d %b", "week": "%d %b %y", "month": "%b %Y"}


def localized(chart):
    """The chart with the current language's number and time locale."""
    return chart.configure(locale=LOCALES[lang()])


def bucket_name(bucket: pd.Timestamp, unit: str) -> str:
    """A bucket as people say it: 2025-03-24, 24–30 Mar 2025, Maret 2025."""
    months = _ID_MONTHS if lang() == "id" else _EN_MONTHS
    if unit == "month":
        return f"{months[bucket.month - 1]} {bucket.year}"
    if unit == "week":
        last = bucket + pd.Timedelta(days=6)
        return t("week_of", start=f"{bucket:%Y-%m-%d}", last=f"{last:%Y-%m-%d}")
    return f"{bucket:%Y-%m-%d}"


def release_rules(releases: pd.DataFrame | None):
    """Dashed vertical rules at each release's first appearance, its version on hover; None for none."""
    if releases is None or releases.empty:
        return None
    df = releases.assign(first_label=[f"{d:%Y-%m-%d}" for d in releases["first_seen"]])
    return (
        alt.Chart(df)
        .mark_rule(color="#888", strokeDash=[4, 3])
        .encode(
            x="first_seen:T",
            tooltip=[
                alt.Tooltip("app_version:N", title=t("version")),
                alt.Tooltip("first_label:N", title=t("dates")),
            ],
        )
    )


def with_releases(chart, releases: pd.DataFrame | None, height: int):
    """``chart`` (without a height) with the release rules layered under it, ``height`` tall, in the
    page's locale."""
    rules = release_rules(releases)
    return localized((alt.layer(rules, chart) if rules is not None else chart).properties(height=height))


def trend_lines(
    df: pd.DataFrame,
    unit: str,
    measure: str,
    y_title: str,
    color_title: str,
    releases: pd.DataFrame | None = None,
):
    """One line per category over the buckets of ``unit``; ``df`` has bucket, label, n, total, share.

    A share is drawn only where its bucket holds enough texts (``share`` is NaN elsewhere): the line
    breaks there instead of joining its neighbours. ``releases`` (app_version, first_seen): marked as rules.
    """
    several = df["label"].nunique() > 1
    df = df.assign(
        period=[bucket_name(b, unit) for b in df["bucket"]],
        n_label=df["n"].map(num),
        total_label=df["total"].map(num),
        share_label=[pct(s) if s == s else t("too_few") for s in df["share"]],
    )
    legend = alt.Legend(orient="bottom", columns=1, labelLimit=400) if several else None
    y = (
        alt.Y("share:Q", title=y_title, axis=alt.Axis(format="%"))
        if measure == "share"
        else alt.Y("n:Q", title=y_title, axis=alt.Axis(format=",d", tickMinStep=1))
    )
    chart = (
        alt.Chart(df)
        .mark_line(point=alt.OverlayMarkDef(size=25), invalid="break-paths-show-domains")
        .encode(
            x=alt.X("bucket:T", title=None, axis=alt.Axis(format=AXIS_DATE[unit], labelOverlap=True)),
            y=y,
            color=alt.Color("label:N", title=color_title, legend=legend),
            tooltip=[
                alt.Tooltip("period:N", title=t(f"unit_{unit}")),
                alt.Tooltip("label:N", title=color_title),
                alt.Tooltip("n_label:N", title=t("axis_n")),
                alt.Tooltip("total_label:N", title=t("feedback_in_bucket")),
                alt.Tooltip("share_label:N", title=t("axis_share")),
            ],
        )
    )
    return with_releases(chart, releases, HEIGHT + (22 * df["label"].nunique() if several else 0))  # + legend


def hbar(
    df: pd.DataFrame,
    label: str,
    value: str,
    title: str,
    kind: str = "count",
    color: str = "#d9534f",
    sort="-x",
):
    """Horizontal bars (longest on top unless ``sort`` lists the labels), each with its value printed
    as the cards print it (``kind``: count or share)."""
    fmt = pct if kind == "share" else num
    df = df.assign(value_label=df[value].map(fmt))
    base = alt.Chart(df).encode(
        y=alt.Y(f"{label}:N", sort=sort, title=None, axis=alt.Axis(labelLimit=180)),
        x=alt.X(
            f"{value}:Q",
            title=title,
            axis=alt.Axis(labels=False, ticks=False, grid=False, domain=False, titleAnchor="start"),
            scale=alt.Scale(domain=[0, float(df[value].max() or 1) * 1.35]),  # room for the printed values
        ),
        tooltip=[alt.Tooltip(f"{label}:N", title=" "), alt.Tooltip("value_label:N", title=title)],
    )
    bars = base.mark_bar(color=color)
    text = base.mark_text(align="left", dx=3).encode(text="value_label:N")
    return localized((bars + text).properties(height=50 + 28 * len(df)))


def share_grid(df: pd.DataFrame, x: str, x_title: str, x_order: list[str]):
    """Categories (rows) by ``x`` (columns): each cell a share, printed and coloured; jumps outlined.

    ``df`` has label, share, change, n, total and jump. Labels are cut short and cells printed small,
    so a dozen releases still fit a phone's 400 px.
    """
    rows = df["label"].drop_duplicates().tolist()
    df = df.assign(
        share_label=df["share"].map(lambda s: pct(s, digits=0)),
        share_tip=df["share"].map(pct),
        change_tip=[pp(c) if c == c else "–" for c in df["change"]],
        n_label=df["n"].map(num),
        total_label=df["total"].map(num),
    )
    base = alt.Chart(df).encode(
        x=alt.X(
            f"{x}:N", title=x_title, sort=x_order, axis=alt.Axis(labelAngle=-45, orient="top", labelLimit=80)
        ),
        y=alt.Y("label:N", title=None, sort=rows, axis=alt.Axis(labelLimit=150)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share:Q",
            title=t("share"),
            scale=alt.Scale(scheme="orangered", domainMin=0),
            legend=alt.Legend(format="%", orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip(f"{x}:N", title=x_title),
            alt.Tooltip("label:N", title=t("category")),
            alt.Tooltip("share_tip:N", title=t("share")),
            alt.Tooltip("change_tip:N", title=t("change_pp")),
            alt.Tooltip("n_label:N", title=t("axis_n")),
            alt.Tooltip("total_label:N", title=t("feedback_in_version")),
        ],
    )
    outline = base.transform_filter("datum.jump").mark_rect(fill=None, stroke="#1f4e9c", strokeWidth=3)
    text = base.mark_text(fontSize=10).encode(
        text="share_label:N",
        color=alt.condition("datum.share > 0.3", alt.value("white"), alt.value("#333")),
    )
    return localized(alt.layer(cells, outline, text).properties(height=90 + 26 * len(rows)))


STAR_COLORS = ["#c0392b", "#e67e22", "#f1c40f", "#7dbb42", "#2e8b57"]  # 1 (red) .. 5 stars (green)


def star_bars(df: pd.DataFrame, unit: str, title: str, releases: pd.DataFrame | None = None):
    """The 1-5 star distribution of each bucket as stacked shares; ``df`` has bucket, category (the
    star as text), n, total, share; buckets with too few rated texts (share NaN) are left empty."""
    df = df[df["share"].notna()]
    df = df.assign(
        period=[bucket_name(b, unit) for b in df["bucket"]],
        share_label=df["share"].map(pct),
        n_label=df["n"].map(num),
        total_label=df["total"].map(num),
    )
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("bucket:T", title=None, axis=alt.Axis(format=AXIS_DATE[unit], labelOverlap=True)),
            y=alt.Y("share:Q", title=title, stack="normalize", axis=alt.Axis(format="%")),
            color=alt.Color(
                "category:N",
                title=t("rating"),
                scale=alt.Scale(domain=["1", "2", "3", "4", "5"], range=STAR_COLORS),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("category:N", sort="descending"),
            tooltip=[
                alt.Tooltip("period:N", title=t(f"unit_{unit}")),
                alt.Tooltip("category:N", title=t("rating")),
                alt.Tooltip("n_label:N", title=t("axis_n")),
                alt.Tooltip("total_label:N", title=t("feedback_in_bucket")),
                alt.Tooltip("share_label:N", title=t("axis_share")),
            ],
        )
    )
    return with_releases(chart, releases, HEIGHT)


def average_line(df: pd.DataFrame, unit: str, title: str, releases: pd.DataFrame | None = None):
    """Average stars per bucket (1-5 axis), breaking where a bucket has too few rated texts."""
    df = df.assign(
        period=[bucket_name(b, unit) for b in df["bucket"]],
        avg_label=[dec(a) if a == a else t("too_few") for a in df["average"]],
        total_label=df["total"].map(num),
    )
    chart = (
        alt.Chart(df)
        .mark_line(point=alt.OverlayMarkDef(size=25), invalid="break-paths-show-domains", color="#1f4e9c")
        .encode(
            x=alt.X("bucket:T", title=None, axis=alt.Axis(format=AXIS_DATE[unit], labelOverlap=True)),
            y=alt.Y("average:Q", title=title, scale=alt.Scale(domain=[1, 5])),
            tooltip=[
                alt.Tooltip("period:N", title=t(f"unit_{unit}")),
                alt.Tooltip("avg_label:N", title=title),
                alt.Tooltip("total_label:N", title=t("feedback_in_bucket")),
            ],
        )
    )
    return with_releases(chart, releases, HEIGHT)
