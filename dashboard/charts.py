"""Altair charts shared by the pages, sized and labelled for a laptop screen.

Heights given to Altair include the axes (Streamlit fits the chart with ``autosize: fit``), so they
grow with the number of rows a chart shows.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.i18n import t

HEIGHT = 320


def weekly_lines(df: pd.DataFrame, measure: str, y_title: str, color_title: str) -> alt.Chart:
    """One line per category over weeks; ``df`` has week, label, n, share."""
    several = df["label"].nunique() > 1
    legend = alt.Legend(orient="bottom", columns=1, labelLimit=400) if several else None
    y = (
        alt.Y("share:Q", title=y_title, axis=alt.Axis(format="%"))
        if measure == "share"
        else alt.Y("n:Q", title=y_title)
    )
    return (
        alt.Chart(df)
        .mark_line(point=alt.OverlayMarkDef(size=25))
        .encode(
            x=alt.X("week:T", title=None, axis=alt.Axis(format="%d %b %y")),
            y=y,
            color=alt.Color("label:N", title=color_title, legend=legend),
            tooltip=[
                alt.Tooltip("week:T", title=t("week"), format="%Y-%m-%d"),
                alt.Tooltip("label:N", title=color_title),
                alt.Tooltip("n:Q", title=t("axis_n")),
                alt.Tooltip("total:Q", title=t("feedback_in_week")),
                alt.Tooltip("share:Q", title=t("axis_share"), format=".1%"),
            ],
        )
        .properties(height=HEIGHT + (22 * df["label"].nunique() if several else 0))  # room for the legend
    )


def hbar(
    df: pd.DataFrame, label: str, value: str, title: str, fmt: str = ",d", color: str = "#d9534f", sort="-x"
) -> alt.Chart:
    """Horizontal bars (longest on top unless ``sort`` lists the labels), each with its value printed."""
    base = alt.Chart(df).encode(
        y=alt.Y(f"{label}:N", sort=sort, title=None, axis=alt.Axis(labelLimit=300)),
        x=alt.X(
            f"{value}:Q",
            title=title,
            axis=alt.Axis(labels=False, ticks=False, grid=False, domain=False, titleAnchor="start"),
            scale=alt.Scale(domain=[0, float(df[value].max() or 1) * 1.3]),  # room for the printed values
        ),
        tooltip=[alt.Tooltip(f"{label}:N", title=" "), alt.Tooltip(f"{value}:Q", title=title, format=fmt)],
    )
    bars = base.mark_bar(color=color)
    text = base.mark_text(align="left", dx=3).encode(text=alt.Text(f"{value}:Q", format=fmt))
    return (bars + text).properties(height=50 + 28 * len(df))


def share_grid(df: pd.DataFrame, x: str, x_title: str, x_order: list[str], jumps: bool = True) -> alt.Chart:
    """Categories (rows) by ``x`` (columns): each cell a share, printed and coloured; jumps outlined."""
    rows = df["label"].drop_duplicates().tolist()
    base = alt.Chart(df).encode(
        x=alt.X(
            f"{x}:N", title=x_title, sort=x_order, axis=alt.Axis(labelAngle=0, orient="top", labelLimit=120)
        ),
        y=alt.Y("label:N", title=None, sort=rows, axis=alt.Axis(labelLimit=320)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share:Q",
            title=t("share"),
            scale=alt.Scale(scheme="orangered", domainMin=0),
            legend=alt.Legend(format="%"),
        ),
        tooltip=[
            alt.Tooltip(f"{x}:N", title=x_title),
            alt.Tooltip("label:N", title=t("category")),
            alt.Tooltip("share:Q", title=t("share"), format=".1%"),
            alt.Tooltip("change:Q", title=t("change_pp"), format="+.1%"),
            alt.Tooltip("n:Q", title=t("axis_n")),
            alt.Tooltip("total:Q", title=t("feedback_in_version")),
        ],
    )
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("share:Q", format=".0%"),
        color=alt.condition("datum.share > 0.3", alt.value("white"), alt.value("#333")),
    )
    layers = [cells]
    if jumps:
        layers.append(
            base.transform_filter("datum.jump").mark_rect(fill=None, stroke="#1f4e9c", strokeWidth=3)
        )
    layers.append(text)
    return alt.layer(*layers).properties(height=60 + 30 * len(rows))
