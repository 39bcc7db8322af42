"""`suara topics`: candidate topics among the complaints no category names, growing ones first, and
`suara topics dismiss|merge|promote TOPIC`: what an analyst decides about one.

Registered on the main app by suara/cli.py (``add_typer(topics_app)``). The work is suara/topics.py
(which texts, the weekly trend), nlp/topics.py (grouping and naming) and suara/topic_records.py
(recording and the decisions); this module parses the options and prints one block per topic: its id,
terms, size, weekly trend, "naik" or "mirip kategori X", and masked examples. `suara topics` reads only
(a read-only connection) unless ``--record`` stores the topics, which the decisions need (the nightly
job records them too).

Exit codes: 0 (also when there are too few texts for a topic: it says so); 1 bad input (--since after
the newest feedback, --k below 2, an unknown topic or category, a topic already decided); 2 a
configuration or database problem (no database).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from suara.cli_base import ConfigOption, DbOption, UserError, command_for, open_store, out, settings
from suara.config import MODELS_DIR

topics_app = typer.Typer(
    help="Candidate new topics among uncategorised feedback, and the analysts' decisions on them.",
    no_args_is_help=False,
)
command = command_for(topics_app)
TopicArg = Annotated[str, typer.Argument(help="The topic's id (t..., from `suara topics --record`).")]
ById = Annotated[str, typer.Option("--by", help="Who decides (recorded with the topic).")]

SPARK = " ▁▂▃▄▅▆▇█"


def sparkline(weekly: tuple[int, ...]) -> str:
    """Weekly counts as one bar each, scaled to the largest."""
    top = max(weekly, default=0) or 1
    return "".join(SPARK[round(n / top * (len(SPARK) - 1))] for n in weekly)


def topics(
    ctx: typer.Context,
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
    record: Annotated[
        bool, typer.Option("--record", help="Store the topics (needed to dismiss, merge or promote one).")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Find candidate new topics among the period's feedback that has no category, or only unsure ones.

    Texts are grouped by similarity (near-duplicates once) and each group is named by its most
    distinctive terms. A topic whose last 7 days are more than its own past explains (the alerts'
    test) is marked "naik"; one whose terms match a category's vocabulary is "mirip kategori X".
    Examples are masked (NIK, phone numbers, e-mail, passport numbers).
    """
    if ctx.invoked_subcommand:
        return
    from nlp.pii import mask
    from suara import topic_records
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
        model = found.model_path(con, models_dir).name if vocab else None
        n, rows = found.find_topics(
            con, start, until, k=k, seed=seed, min_count=s.alert_min_count, vocab=vocab
        )
    if record:
        with open_store(s) as store:
            topic_records.record(store, rows, start, until, candidates=n, model_version=model)
    with read_connection(s.db_path) as con:
        ids = [topic_records.topic_id(start, until, r.topic.terms) for r in rows]
        decided = topic_records.statuses(con, ids)
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
    for r, tid in zip(rows, ids, strict=True):
        status = "[naik]" if r.growing else ("" if r.tested else "[too little history]")
        if tid in decided and decided[tid][0] != "new":
            status += f" [{decided[tid][0]}{' ' + decided[tid][1] if decided[tid][1] else ''}]"
        if r.topic.similar_to:
            status += f" [mirip kategori {_label(tax, r.topic.similar_to)}]"
        last = f"{r.last_week} (expected {r.expected:.1f})" if r.tested else str(r.last_week)
        out.print(
            f"#{r.topic.id} {tid if tid in decided else ''} {status} {', '.join(r.topic.terms[:6])}".replace(
                "   ", " "
            ).replace("  ", " "),
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
    if not decided:
        out.print("not recorded: `suara topics --record` stores them, to dismiss, merge or promote one")


topics_app.callback(invoke_without_command=True)(command_for(typer.Typer())()(topics))


def _decide(s, fn, *args):
    from suara.taxonomy import TaxonomyError
    from suara.topic_records import TopicError

    with open_store(s) as store:
        try:
            return fn(store, *args)
        except (TopicError, TaxonomyError) as exc:
            raise UserError(str(exc)) from None


@command()
def dismiss(topic: TopicArg, by: ById, db: DbOption = None, config: ConfigOption = None) -> None:
    """Dismiss a topic: not a theme worth a category (hidden from the Topik baru page)."""
    from suara.topic_records import dismiss as run

    _decide(settings(db, config), run, topic, by)
    out.print(f"topic {topic} dismissed", highlight=False)


@command()
def merge(
    topic: TopicArg,
    category: Annotated[str, typer.Argument(help="An existing category id, e.g. app_error.")],
    by: ById,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Merge a topic into an existing category: its unlabelled texts go to the Pelabelan queue with that
    category proposed, for an analyst to confirm."""
    from suara.topic_records import merge as run

    n = _decide(settings(db, config), run, topic, category, by)
    out.print(
        f"topic {topic} merged into {category}: {n} texts proposed in the Pelabelan queue", highlight=False
    )


@command()
def promote(
    topic: TopicArg,
    category_id: Annotated[str, typer.Option("--id", help="New category id: lowercase, digits, _.")],
    label_id: Annotated[str, typer.Option("--label-id", help="Its label in Bahasa Indonesia.")],
    label_en: Annotated[str, typer.Option("--label-en", help="Its label in English.")],
    description: Annotated[str, typer.Option("--description", help="What texts of it complain about.")],
    by: ById,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Promote a topic to a new category (added to the taxonomy's additions file with your name and the
    date); its unlabelled texts become the category's first labelled examples."""
    from suara.taxonomy import local_file
    from suara.topic_records import MIN_EXAMPLES
    from suara.topic_records import promote as run

    n = _decide(settings(db, config), run, topic, category_id, label_id, label_en, description, by)
    out.print(f"category {category_id} added to {local_file()}; {n} texts labelled with it", highlight=False)
    if n < MIN_EXAMPLES:
        out.print(
            f"not enough examples yet: {n}/{MIN_EXAMPLES}; the model learns it once it has {MIN_EXAMPLES}",
            highlight=False,
        )


def _label(tax, category: str) -> str:
    try:
        return tax.get(category).label_id
    except KeyError:
        return category
