"""Lay a ``MonthReport`` out as an A4 PDF with reportlab: figures, charts, complaints, offices, releases.

reportlab is pure Python on top of the wheel (no system libraries, unlike WeasyPrint's Pango/Cairo),
so the report builds wherever Suara installs, on a closed network too. The font is the Bitstream Vera
that reportlab ships (embedded in the PDF, so it prints the same everywhere); characters it has no
glyph for (emoji in reviews) are dropped rather than drawn as boxes. Every text from a citizen arrives
masked (report.data) and is escaped here, so a review can never inject reportlab markup.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dashboard.filters import source_name
from report import charts
from report.data import RELEASE_MIN, MonthReport
from report.months import previous_month
from report.texts import Words

FONTS = Path(reportlab.__file__).parent / "fonts"
_REGISTERED: dict[str, TTFont] = {}


def _fonts() -> TTFont:
    if not _REGISTERED:
        for name, file in (("Sans", "Vera.ttf"), ("Sans-Bold", "VeraBd.ttf"), ("Sans-Italic", "VeraIt.ttf")):
            font = TTFont(name, str(FONTS / file))
            pdfmetrics.registerFont(font)
            _REGISTERED[name] = font
        pdfmetrics.registerFontFamily("Sans", normal="Sans", bold="Sans-Bold", italic="Sans-Italic")
    return _REGISTERED["Sans"]


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName="Sans", fontSize=9.5, leading=13)
    return {
        "body": base,
        "title": ParagraphStyle("title", base, fontName="Sans-Bold", fontSize=18, leading=22),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=12, leading=16, textColor=colors.HexColor("#444")),
        "h": ParagraphStyle("h", base, fontName="Sans-Bold", fontSize=13, leading=17, spaceBefore=10, spaceAfter=4),
        "h3": ParagraphStyle("h3", base, fontSize=10.5, leading=14, spaceBefore=6),
        "small": ParagraphStyle("small", base, fontSize=8, leading=10.5, textColor=colors.HexColor("#555")),
        "quote": ParagraphStyle("quote", base, fontName="Sans-Italic", fontSize=9, leading=12, leftIndent=12),
        "cell": ParagraphStyle("cell", base, fontSize=9, leading=11),
    }  # fmt: skip


class _Text:
    """Citizens' and labels' text made safe for a Paragraph: glyphs the font lacks dropped, markup escaped."""

    def __init__(self, font: TTFont):
        self.glyphs = font.face.charToGlyph

    def __call__(self, text: str) -> str:
        kept = "".join(ch for ch in text if ch in "\n\t" or ord(ch) in self.glyphs)
        return escape(" ".join(kept.split()))


def _table(rows: list[list], widths: list[float], st: dict, numeric_from: int = 1) -> Table:
    cells = [[Paragraph(str(c), st["cell"]) if isinstance(c, str) else c for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), "Sans"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#1f5fa8")),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _image(data: bytes, width: float) -> Image:
    img = Image(io.BytesIO(data))
    img.drawHeight = width * img.imageHeight / img.imageWidth
    img.drawWidth = width
    img.hAlign = "LEFT"
    return img


def _figures(r: MonthReport, w: Words, st: dict) -> list:
    cur, prev = r.cur, r.prev
    prev_name = w.month(previous_month(r.month))

    def row(label: str, now, before, show, change) -> list[str]:
        if prev is None:
            return [w.t(label), show(now), "–", "–"]
        known = now is not None and before is not None and now == now and before == before
        delta = change(now, before) if known else "–"
        return [w.t(label), show(now), show(before), delta]

    def rel(a, b):  # a relative change: +8,7%
        return w.pct((a - b) / b, signed=True) if b else "–"

    def points(a, b):  # a change of a share: +0,5 pp
        return w.pp(a - b)

    def hours(v):
        return w.num(round(v)) if v is not None and v == v else "–"

    def g(p, attr):
        return getattr(p, attr) if p is not None else None

    rows = [
        [w.t("col_measure"), w.month(r.month), prev_name, w.t("col_change")],
        row("m_volume", cur.n, g(prev, "n"), w.num, rel),
        row("m_complaint", cur.complaint_share, g(prev, "complaint_share"), w.pct, points),
        row("m_rating", cur.avg_rating, g(prev, "avg_rating"), w.dec, lambda a, b: w.change(a - b)),
        row("m_low", cur.low_share, g(prev, "low_share"), w.pct, points),
        row("m_response", cur.response_rate, g(prev, "response_rate"), w.pct, points),
        row("m_reply_time", cur.median_reply_hours, g(prev, "median_reply_hours"), hours, lambda a, b: w.change(a - b, 0)),
    ]  # fmt: skip
    out = [Paragraph(w.t("h_figures"), st["h"]), _table(rows, [62 * mm, 36 * mm, 36 * mm, 30 * mm], st)]
    if prev is None:
        out.append(Paragraph(w.t("no_prev"), st["small"]))
    return out


def _complaints(r: MonthReport, w: Words, st: dict, safe: _Text) -> list:
    out = [Paragraph(w.t("h_complaints"), st["h"])]
    if not r.complaints:
        return out + [Paragraph(w.t("no_complaints"), st["body"])]
    prev_name = w.month(previous_month(r.month))
    bars = pd.DataFrame(
        [
            {"label": w.category(c.category), "when": when, "share": share}
            for c in r.complaints
            for when, share in ((w.t("this_month"), c.share), (w.t("prev_month"), c.prev_share))
            if share is not None
        ]
    )
    out = [KeepTogether([*out, _image(charts.complaint_shares(bars, w), 165 * mm)])]  # heading with its chart
    for c in r.complaints:
        line = (
            w.t("complaint_line", n=w.num(c.n), share=w.pct(c.share), change=w.pp(c.share - c.prev_share), prev=prev_name)
            if c.prev_share is not None
            else w.t("complaint_line_noprev", n=w.num(c.n), share=w.pct(c.share))
        )  # fmt: skip
        name = f"{w.category(c.category)} {w.t('rough_mark')}" if c.rough else w.category(c.category)
        block = [Paragraph(f"<b>{safe(name)}</b>: {safe(line)}", st["h3"])]
        for ex in c.examples:
            stars = w.t("stars", n=ex["rating"]) if ex["rating"] else ""
            meta = w.t("example_meta", source=source_name(ex["source"]), day=w.day(ex["day"]), rating=stars)
            block.append(Paragraph(f"“{safe(ex['text'])}” <font size=7.5>({safe(meta)})</font>", st["quote"]))
        out.append(KeepTogether(block))
    if any(c.rough for c in r.complaints):
        out.append(Paragraph(w.t("rough_note"), st["small"]))
    return out


def _offices(r: MonthReport, w: Words, st: dict, safe: _Text) -> list:
    out = [Paragraph(w.t("h_offices"), st["h"]), Paragraph(w.t("offices_intro"), st["small"])]
    if r.offices.empty:
        return out + [Paragraph(w.t("no_offices"), st["body"])]
    prev_name = w.month(previous_month(r.month))
    rows = [[w.t("col_office"), w.t("col_complaints"), prev_name, w.t("col_top")]]
    for o in r.offices.itertuples():
        top = w.category(o.top_category) if isinstance(o.top_category, str) else "–"
        rows.append([safe(o.name), w.num(int(o.complaints)), w.num(int(o.prev_complaints)), safe(top)])
    return [KeepTogether(out + [_table(rows, [62 * mm, 25 * mm, 30 * mm, 47 * mm], st)])]


def _releases(r: MonthReport, w: Words, st: dict, safe: _Text) -> list:
    out = [
        Paragraph(w.t("h_releases"), st["h"]),
        Paragraph(w.t("releases_intro", min=RELEASE_MIN), st["small"]),
    ]
    if r.releases.empty:
        return out + [Paragraph(w.t("no_releases"), st["body"])]
    rows = [[w.t("col_version"), w.t("col_texts"), w.t("col_complaint_share"), w.t("col_jumps")]]
    for v in r.releases.itertuples():
        jumps = ", ".join(w.category(c) for c in v.jumps.split(",") if c) or w.t("none")
        rows.append([safe(v.app_version), w.num(int(v.total)), w.pct(v.complaint_share), safe(jumps)])
    return [KeepTogether(out + [_table(rows, [30 * mm, 25 * mm, 35 * mm, 74 * mm], st)])]


def render(r: MonthReport, lang: str = "id", today: date | None = None, app_name: str | None = None) -> bytes:
    """The PDF's bytes for ``r`` in ``lang`` ('id' or 'en')."""
    w, st = Words(lang), _styles()
    safe = _Text(_fonts())
    today = today or date.today()
    month = w.month(r.month)
    app = app_name or r.app or w.t("all_apps")
    made = w.t(
        "made",
        today=w.day(today),
        n=w.num(r.cur.n),
        month=month,
        prev=w.month(previous_month(r.month)),
        first=w.day(r.data_first) if r.data_first else "–",
        last=w.day(r.data_last) if r.data_last else "–",
    )
    story = [
        Paragraph(w.t("title"), st["title"]),
        Paragraph(safe(w.t("subtitle", app=app, month=month)), st["subtitle"]),
        Spacer(1, 4),
        Paragraph(safe(made), st["small"]),
        Paragraph(w.t("masked"), st["small"]),
        *_figures(r, w, st),
        Spacer(1, 8),
        _image(charts.volume_by_month(r.months.assign(month=[
            w.short_month(date(int(m[:4]), int(m[5:]), 1)) for m in r.months["month"]
        ]), w.short_month(r.month), w), 165 * mm),
        *_complaints(r, w, st, safe),
        *_offices(r, w, st, safe),
        *_releases(r, w, st, safe),
        Spacer(1, 10),
        Paragraph(w.t("method", month=month), st["small"]),
    ]  # fmt: skip

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Sans", 7.5)
        canvas.setFillColor(colors.HexColor("#777"))
        canvas.drawString(20 * mm, 10 * mm, f"Suara · {w.t('title')} · {month}")
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, w.t("page", n=doc.page))
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{w.t('title')} – {month}",
        author="Suara",
        lang="id-ID" if lang == "id" else "en-GB",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
