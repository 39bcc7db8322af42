"""The nightly digest: what the run did and what changed, as Markdown and HTML in data/reports/.

One page a person can read over coffee: each source's counts and status, how many new items came
in, the headline categories of the last 7 days against the 7 before, the new alerts and anything that
failed. Figures come from SQL aggregates; every text shown goes through ``suara.redact.scrub``
(personal data masked, secrets scrubbed).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from suara.redact import scrub
from suara.taxonomy import load_taxonomy


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
    alerts: list[str]
    failures: list[str]
    top: list[tuple[str, int, int]] = field(default_factory=list)  # (category label, last 7 days, 7 before)
    total_items: int = 0

    @property
    def new_items(self) -> int:
        return sum(s.new for s in self.sources)


def top_categories(
    con: duckdb.DuckDBPyConnection, as_of: datetime, limit: int = 13
) -> list[tuple[str, int, int]]:
    """Categories by complaints created in the last 7 days, with the 7 days before for comparison."""
    tax = load_taxonomy()
    rows = con.execute(
        """
        SELECT e.category,
               count(*) FILTER (WHERE f.created_at >= $week) AS this_week,
               count(*) FILTER (WHERE f.created_at < $week) AS last_week
        FROM feedback f JOIN effective_labels e ON e.feedback_id = f.id
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
    labels = {c.id: c.label_en for c in tax.categories}
    return [(labels.get(c, c), int(a), int(b)) for c, a, b in rows]


def total_items(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM feedback").fetchone()[0]


def _change(now: int, before: int) -> str:
    if before == 0:
        return "new" if now else "-"
    return f"{(now - before) / before:+.0%}"


def render_markdown(d: Digest) -> str:
    status = "all sources collected" if d.ok else "**some steps failed** (see Failures)"
    lines = [
        f"# Suara nightly digest, {d.day:%Y-%m-%d}",
        "",
        f"Status: {status}. New items: {d.new_items}; classified this run: {d.classified}; "
        f"in the database: {d.total_items}; model: {d.model or 'none'}.",
        "",
        "## Sources",
        "",
        "| app | source | status | fetched | new | updated | skipped | errors | note |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for s in d.sources:
        note = scrub(s.message).replace("|", "/")[:200]
        lines.append(
            f"| {s.app_id} | {s.source} | {s.status} | {s.fetched} | {s.new} | {s.updated} | "
            f"{s.skipped} | {s.errors} | {note} |"
        )
    if not d.sources:
        lines.append("| - | - | no sources run | 0 | 0 | 0 | 0 | 0 | |")
    lines += ["", "## Categories, last 7 days against the 7 before", ""]
    if d.top:
        lines += ["| category | last 7 days | 7 days before | change |", "|---|---:|---:|---:|"]
        lines += [f"| {label} | {a} | {b} | {_change(a, b)} |" for label, a, b in d.top]
    else:
        lines.append("No classified complaints in the last 14 days.")
    lines += ["", "## New alerts", ""]
    lines += [f"- {scrub(a)}" for a in d.alerts] or ["None."]
    lines += ["", "## Failures", ""]
    lines += [f"- {scrub(f)}" for f in d.failures] or ["None."]
    return "\n".join(lines) + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}"
    "td.n{text-align:right}.bad{color:#b00020;font-weight:600}.ok{color:#1b5e20}"
)


def render_html(d: Digest) -> str:
    e = html.escape

    def table(head: list[str], rows: list[list], numeric: set[int]) -> str:
        th = "".join(f"<th>{e(h)}</th>" for h in head)
        body = "".join(
            "<tr>"
            + "".join(f"<td{' class=n' if i in numeric else ''}>{e(str(c))}</td>" for i, c in enumerate(r))
            + "</tr>"
            for r in rows
        )
        return f"<table><tr>{th}</tr>{body}</table>"

    status = (
        '<span class="ok">all sources collected</span>'
        if d.ok
        else '<span class="bad">some steps failed (see Failures)</span>'
    )
    src = table(
        ["app", "source", "status", "fetched", "new", "updated", "skipped", "errors", "note"],
        [
            [
                s.app_id,
                s.source,
                s.status,
                s.fetched,
                s.new,
                s.updated,
                s.skipped,
                s.errors,
                scrub(s.message)[:200],
            ]
            for s in d.sources
        ],
        {3, 4, 5, 6, 7},
    )
    top = (
        table(
            ["category", "last 7 days", "7 days before", "change"],
            [[label, a, b, _change(a, b)] for label, a, b in d.top],
            {1, 2, 3},
        )
        if d.top
        else "<p>No classified complaints in the last 14 days.</p>"
    )

    def items(xs: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{e(scrub(x))}</li>" for x in xs) + "</ul>" if xs else "<p>None.</p>"

    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Suara nightly digest {d.day:%Y-%m-%d}</title><style>{_CSS}</style></head><body>"
        f"<h1>Suara nightly digest, {d.day:%Y-%m-%d}</h1>"
        f"<p>Status: {status}. New items: {d.new_items}; classified this run: {d.classified}; "
        f"in the database: {d.total_items}; model: {e(d.model or 'none')}.</p>"
        f"<h2>Sources</h2>{src}<h2>Categories, last 7 days against the 7 before</h2>{top}"
        f"<h2>New alerts</h2>{items(d.alerts)}<h2>Failures</h2>{items(d.failures)}</body></html>\n"
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
