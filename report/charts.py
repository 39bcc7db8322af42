"""The report's charts: Altair specifications rendered to PNG by vl-convert, offline.

vl-convert carries Vega, Vega-Lite and a JavaScript engine in its wheel, so rendering needs no
browser and no network: the data travel inline in the specification (Altair's ``to_dict`` embeds
the frame's rows as values) and nothing refers to a URL. Fonts are the machine's, with vl-convert's
own fallback. A chart is a small aggregate frame in, PNG bytes out.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import vl_convert as vlc

from report.texts import Words

WIDTH = 460  # points of the drawn area; the PNG is rendered at SCALE times that for print
SCALE = 3
ACCENT, MUTED = "#1f5fa8", "#b9c6d6"


def png(chart: alt.Chart) -> bytes:
    return vlc.vegalite_to_png(chart.to_dict(), scale=SCALE)


def volume_by_month(months: pd.DataFrame, current: str, w: Words) -> bytes:
    """Bars of feedback per month (``month`` label, ``total``), the report's month in the accent colour."""
    df = months.assign(current=months["month"] == current)
    chart = (
        alt.Chart(df, title=w.t("chart_volume"), width=WIDTH, height=140)
        .mark_bar()
        .encode(
            x=alt.X("month:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("total:Q", title=w.t("axis_items"), axis=alt.Axis(format="d", tickMinStep=1)),
            color=alt.condition("datum.current", alt.value(ACCENT), alt.value(MUTED)),
        )
    )
    return png(chart.configure_view(stroke=None).configure_title(anchor="start", fontSize=12))


def complaint_shares(rows: pd.DataFrame, w: Words) -> bytes:
    """Horizontal bars of each top complaint's share this month beside the month before (``label``,
    ``when``, ``share``); shares are given as text labels, formatted in the report's language."""
    df = rows.assign(text=[w.pct(s) for s in rows["share"]])
    order = list(dict.fromkeys(df["label"]))
    base = alt.Chart(df, title=w.t("chart_complaints"), width=WIDTH - 170).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=160)),
        yOffset=alt.YOffset("when:N", sort=[w.t("this_month"), w.t("prev_month")]),
        x=alt.X("share:Q", title=w.t("axis_share"), axis=alt.Axis(format="%")),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "when:N",
            scale=alt.Scale(domain=[w.t("this_month"), w.t("prev_month")], range=[ACCENT, MUTED]),
            legend=alt.Legend(title=None, orient="bottom"),
        )
    )
    labels = base.mark_text(align="left", dx=3, fontSize=9).encode(text="text:N")
    chart = (bars + labels).properties(height=alt.Step(11))
    return png(chart.configure_view(stroke=None).configure_title(anchor="start", fontSize=12))
