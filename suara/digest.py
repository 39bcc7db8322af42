"""The nightly digest: what the run did and what changed, as Markdown and HTML in data/reports/.

One page a person can read over coffee: each source's counts and status, how many new items came
in, the headline categories of the last 7 days against the 7 before, the new alerts and anything that
failed. Figures come from SQL aggregates; every text shown goes through ``suara.redact.scrub``
(personal data masked, secrets scrubbed).

Language. Bahasa Indonesia by default, English with ``lang="en"`` (`suara nightly --lang en`, or
``[digest] lang`` in suara.toml): headings, category labels (data/taxonomy.toml), the alert lines and
the number format (id: 7.780 and +25%, en: 7,780). The step messages of failed sources come from the
code and stay as written.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from suara.alerts import Alert
from suara.redact import scrub
from suara.taxonomy import load_taxonomy

TEXTS = {
    "id": {
        "title": "Ringkasan harian Suara, {day}",
        "ok": "semua sumber terkumpul",
        "bad": "ada langkah yang gagal (lihat Kegagalan)",
        "summary": "Status: {status}. Masukan baru: {new}; diklasifikasi pada run ini: {classified}; "
        "di basis data: {total}; model: {model}.",
        "no_model": "tidak ada",
        "sources": "Sumber",
        "source_cols": ("aplikasi", "sumber", "status", "diambil", "baru", "diperbarui", "dilewati", "galat",
                        "catatan"),
        "no_sources": "tidak ada sumber yang dijalankan",
        "categories": "Kategori, 7 hari terakhir dibanding 7 hari sebelumnya",
        "category_cols": ("kategori", "7 hari terakhir", "7 hari sebelumnya", "perubahan"),
        "no_categories": "Tidak ada keluhan terklasifikasi dalam 14 hari terakhir.",
        "alerts": "Peringatan baru",
        "failures": "Kegagalan",
        "none": "Tidak ada.",
        "new": "baru",
        "status_success": "berhasil", "status_failed": "gagal", "status_skipped": "dilewati",
        "spike": "{app}: {observed} keluhan '{label}' dalam {when}, perkiraan sekitar {expected} "
        "(batas peringatan {threshold})",
        "when_1": "24 jam terakhir", "when_n": "{n} hari terakhir",
        "jump": "{app} versi {version}: {observed} masukannya '{label}', dibanding {expected} pada versi "
        "sebelumnya",
    },
    "en": {
        "title": "Suara nightly digest, {day}",
        "ok": "all sources collected",
        "bad": "some steps failed (see Failures)",
        "summary": "Status: {status}. New items: {new}; classified this run: {classified}; "
        "in the database: {total}; model: {model}.",
        "no_model": "none",
        "sources": "Sources",
        "source_cols": ("app", "source", "status", "fetched", "new", "updated", "skipped", "errors", "note"),
        "no_sources": "no sources run",
        "categories": "Categories, last 7 days against the 7 before",
        "category_cols": ("category", "last 7 days", "7 days before", "change"),
        "no_categories": "No classified complaints in the last 14 days.",
        "alerts": "New alerts",
        "failures": "Failures",
        "none": "None.",
        "new": "new",
        "status_success": "success", "status_failed": "failed", "status_skipped": "skipped",
        "spike": "{app}: {observed} '{label}' complaints in {when}, expected about {expected} "
        "(alert above {threshold})",
        "when_1": "the last 24 h", "when_n": "the last {n} days",
        "jump": "{app} version {version}: {observed} of its feedback is '{label}', against {expected} in "
        "the previous version",
    },
}  # fmt: skip


@dataclass
class SourceLine:
    app_id: str
    source: str
    status: str
    fetched: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    message: str = ""


@dataclass
class Digest:
    day: date
    ok: bool
    sources: list[SourceLine]
    classified: int
    model: str | None
    alerts: list[Alert]
    failures: list[str]
    top: list[tuple[str, int, int]] = field(default_factory=list)  # (category id, last 7 days, 7 before)
    total_items: int = 0
    lang: str = "id"
    app_names: dict[str, str] = field(default_factory=dict)

    @property
    def new_items(self) -> int:
        return sum(s.new for s in self.sources)


def top_categories(
    con: duckdb.DuckDBPyConnection, as_of: datetime, limit: int = 13
) -> list[tuple[str, int, int]]:
    """Category ids by complaints created in the last 7 days, with the 7 days before for comparison."""
    rows = con.execute(
        """
        SELECT e.category,
               count(*) FILTER (WHERE f.created_at >= $week) AS this_week,
               count(*) FILTER (WHERE f.created_at < $week) AS last_week
        FROM feedback f JOIN effective_labels e ON e.feedback_seq = f.seq
        WHERE f.created_at >= $start AND f.created_at < $as_of
        GROUP BY e.category ORDER BY this_week DESC, last_week DESC, e.category LIMIT $limit
        """,
        {
            "as_of": as_of,
            "week": as_of - timedelta(days=7),
            "start": as_of - timedelta(days=14),
            "limit": limit,
        },
    ).fetchall()
    return [(c, int(a), int(b)) for c, a, b in rows]


def total_items(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM feedback").fetchone()[0]


def number(x: float, lang: str, digits: int = 0) -> str:
    """One number format per language: id 7.780 and 2,5; en 7,780 and 2.5."""
    text = f"{x:,.{digits}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "id" else text


def percent(x: float, lang: str, sign: bool = False) -> str:
    return ("+" if sign and x > 0 else "") + number(100 * x, lang) + "%"


def _change(now: int, before: int, lang: str) -> str:
    if before == 0:
        return TEXTS[lang]["new"] if now else "-"
    return percent((now - before) / before, lang, sign=True)


def alert_line(a: Alert, lang: str, app_names: dict[str, str] | None = None) -> str:
    """The alert in the digest's language, from its stored figures (scrubbed like every shown text)."""
    tx = TEXTS[lang]
    if a.kind == "topic_new":  # a new topic (suara/topic_records.py) says what it is in its message
        return scrub(a.message)
    try:
        label = load_taxonomy().get(a.category).label(lang)
    except KeyError:
        label = a.category
    app = (app_names or {}).get(a.app_id, a.app_id)
    if a.kind == "version_jump":
        text = tx["jump"].format(
            app=app,
            version=a.app_version,
            label=label,
            observed=percent(a.observed, lang),
            expected=percent(a.expected, lang),
        )
    else:
        days = round((a.period_end - a.period_start).total_seconds() / 86400)
        when = tx["when_1"] if days <= 1 else tx["when_n"].format(n=days)
        text = tx["spike"].format(
            app=app,
            observed=number(a.observed, lang),
            label=label,
            when=when,
            expected=number(a.expected, lang, 1),
            threshold=number(a.threshold, lang),
        )
    return scrub(text)


def _parts(d: Digest) -> dict:
    """What both renderings show, in the digest's language."""
    lang = d.lang if d.lang in TEXTS else "id"
    tx, n = TEXTS[lang], lambda x: number(x, lang)
    labels = {c.id: c.label(lang) for c in load_taxonomy().categories}
    sources = [
        [s.app_id, s.source, tx.get(f"status_{s.status}", s.status), n(s.fetched), n(s.new), n(s.updated),
         n(s.skipped), n(s.errors), scrub(s.message)[:200]]
        for s in d.sources
    ]  # fmt: skip
    top = [[labels.get(c, c), n(a), n(b), _change(a, b, lang)] for c, a, b in d.top]
    summary = dict(
        new=n(d.new_items),
        classified=n(d.classified),
        total=n(d.total_items),
        model=d.model or tx["no_model"],
    )
    return dict(
        tx=tx,
        lang=lang,
        title=tx["title"].format(day=f"{d.day:%Y-%m-%d}"),
        summary=summary,
        sources=sources,
        top=top,
        alerts=[alert_line(a, lang, d.app_names) for a in d.alerts],
        failures=[scrub(f) for f in d.failures],
    )


def render_markdown(d: Digest) -> str:
    p = _parts(d)
    tx = p["tx"]
    status = tx["ok"] if d.ok else f"**{tx['bad']}**"
    lines = [
        f"# {p['title']}",
        "",
        tx["summary"].format(status=status, **p["summary"]),
        "",
        f"## {tx['sources']}",
        "",
    ]
    lines += ["| " + " | ".join(tx["source_cols"]) + " |", "|---|---|---|---:|---:|---:|---:|---:|---|"]
    lines += ["| " + " | ".join(str(c).replace("|", "/") for c in row) + " |" for row in p["sources"]]
    if not p["sources"]:
        lines.append(f"| - | - | {tx['no_sources']} | 0 | 0 | 0 | 0 | 0 | |")
    lines += ["", f"## {tx['categories']}", ""]
    if p["top"]:
        lines += ["| " + " | ".join(tx["category_cols"]) + " |", "|---|---:|---:|---:|"]
        lines += ["| " + " | ".join(row) + " |" for row in p["top"]]
    else:
        lines.append(tx["no_categories"])
    lines += ["", f"## {tx['alerts']}", ""]
    lines += [f"- {a}" for a in p["alerts"]] or [tx["none"]]
    lines += ["", f"## {tx['failures']}", ""]
    lines += [f"- {f}" for f in p["failures"]] or [tx["none"]]
    return "\n".join(lines) + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}"
    "td.n{text-align:right}.bad{color:#b00020;font-weight:600}.ok{color:#1b5e20}"
)


def render_html(d: Digest) -> str:
    e = html.escape
    p = _parts(d)
    tx = p["tx"]

    def table(head: tuple[str, ...], rows: list[list], numeric: set[int]) -> str:
        th = "".join(f"<th>{e(h)}</th>" for h in head)
        body = "".join(
            "<tr>"
            + "".join(f"<td{' class=n' if i in numeric else ''}>{e(str(c))}</td>" for i, c in enumerate(r))
            + "</tr>"
            for r in rows
        )
        return f"<table><tr>{th}</tr>{body}</table>"

    status = f'<span class="ok">{e(tx["ok"])}</span>' if d.ok else f'<span class="bad">{e(tx["bad"])}</span>'
    summary = e(tx["summary"].format(status="\0", **p["summary"])).replace("\0", status)
    src = table(tx["source_cols"], p["sources"], {3, 4, 5, 6, 7})
    top = table(tx["category_cols"], p["top"], {1, 2, 3}) if p["top"] else f"<p>{e(tx['no_categories'])}</p>"

    def items(xs: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{e(x)}</li>" for x in xs) + "</ul>" if xs else f"<p>{e(tx['none'])}</p>"

    return (
        f'<!doctype html><html lang="{p["lang"]}"><head><meta charset="utf-8">'
        f"<title>{e(p['title'])}</title><style>{_CSS}</style></head><body>"
        f"<h1>{e(p['title'])}</h1><p>{summary}</p>"
        f"<h2>{e(tx['sources'])}</h2>{src}<h2>{e(tx['categories'])}</h2>{top}"
        f"<h2>{e(tx['alerts'])}</h2>{items(p['alerts'])}<h2>{e(tx['failures'])}</h2>{items(p['failures'])}"
        "</body></html>\n"
    )


def write(d: Digest, reports_dir: Path) -> tuple[Path, Path]:
    """Write YYYY-MM-DD.md and .html (a second run the same day replaces them); returns both paths."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    md, page = reports_dir / f"{d.day:%Y-%m-%d}.md", reports_dir / f"{d.day:%Y-%m-%d}.html"
    for path, text in ((md, render_markdown(d)), (page, render_html(d))):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return md, page
