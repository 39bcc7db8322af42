"""`suara topics`: candidate topics among the complaints no category names, growing ones first.

Registered on the main app by suara/cli.py (``command()(topics)``). The work is suara/topics.py (which
texts, the weekly trend) and nlp/topics.py (grouping and naming); this module parses the options and
prints one block per topic: terms, size, weekly trend, "baru/naik" or "mirip kategori X", and masked examples.
Reads only (a read-only connection).

Exit codes: 0 (also when there are too few texts for a topic: it says so); 1 bad input (--since after
the newest feedback, --k below 2); 2 a configuration or database problem (no database).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from suara.cli_base import ConfigOption, DbOption, UserError, out, settings
from suara.config import MODELS_DIR

SPARK = " ▁▂▃▄▅▆▇█"


def sparkline(weekly: tuple[int, ...]) -> str:
    """Weekly counts as one bar each, scaled to the largest."""
    top = max(weekly, default=0) or 1
    return "".join(SPARK[round(n / top * (len(SPARK) - 1))] for n in weekly)


def topics(
    since: Annotated[
        datetime | None,
        typer.Option(help="First day of the period (UTC); default: 9 weeks before the newest feedback."),
    ] = None,
    k: Annotated[
        int | None,
        typer.Option("--k", help="Topics to look for (default: sqrt(distinct texts / 2), 3..30)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same texts + seed = same topics).")] = 0,
    examples: Annotated[int, typer.Option(min=0, max=10, help="Example texts per topic.")] = 2,
    models_dir: Annotated[
        Path, typer.Option("--models-dir", help="Where model versions are (for 'mirip kategori').")
    ] = MODELS_DIR,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Find candidate new topics among the period's feedback that has no category, or only unsure ones.

    Texts are grouped by similarity (near-duplicates once) and each group is named by its most
    distinctive terms. A topic whose last 7 days are more than its own past explains (the alerts'
    test) is marked "naik"; one whose terms match a category's vocabulary is "mirip kategori X".
    Examples are masked (NIK, phone numbers, e-mail, passport numbers).
    """
    from nlp.pii import mask
    from suara import topics as found
    from suara.store import read_connection
    from suara.taxonomy import load_taxonomy

    if k is not None and k < 2:
        raise UserError(f"--k {k}: ask for at least 2 topics (or leave --k out)")
    s = settings(db, config)
    tax = load_taxonomy()
    with read_connection(s.db_path) as con:
        end = found.latest(con)
        if end is None:
            out.print("no feedback yet: import or collect some first (`suara import`, `suara collect`)")
            return
        if since is not None and since > end:
            raise UserError(
                f"--since {since:%Y-%m-%d} is after the newest feedback ({end:%Y-%m-%d}); pick an earlier date"
            )
        start, until = found.default_period(end, since)
        vocab = found.vocabulary(con, models_dir)
        n, rows = found.find_topics(
            con, start, until, k=k, seed=seed, min_count=s.alert_min_count, vocab=vocab
        )
    period = f"{start:%Y-%m-%d} .. {until:%Y-%m-%d}"
    if not rows:
        out.print(f"{n} uncategorised texts in {period}: too few similar ones for a topic", highlight=False)
        return
    covered = sum(r.topic.size for r in rows)
    out.print(
        f"Topik baru: {len(rows)} topics over {covered} of {n} uncategorised texts ({period})",
        highlight=False,
    )
    out.print("weekly: texts per 7 days, oldest first, the last bar is the last 7 days", highlight=False)
    for r in rows:
        status = "[naik]" if r.growing else ("" if r.tested else "[too little history]")
        if r.topic.similar_to:
            status += f" [mirip kategori {_label(tax, r.topic.similar_to)}]"
        last = f"{r.last_week} (expected {r.expected:.1f})" if r.tested else str(r.last_week)
        out.print(
            f"#{r.topic.id} {status} {', '.join(r.topic.terms[:6])}".replace("  ", " "),
            markup=False,
            highlight=False,
        )
        out.print(
            f"   size {r.topic.size} ({r.topic.distinct} distinct)  weekly {sparkline(r.weekly)}  last 7 days {last}",
            markup=False,
            highlight=False,
        )
        for e in r.examples[:examples]:
            out.print(f"   - {' '.join((mask(e) or '').split())[:160]}", markup=False, highlight=False)
    if vocab is None:
        out.print("no model found: 'mirip kategori' not checked (`suara train`)", highlight=False)


def _label(tax, category: str) -> str:
    try:
        return tax.get(category).label_id
    except KeyError:
        return category
