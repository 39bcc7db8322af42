"""`suara labels`: label in a spreadsheet instead of the dashboard's Pelabelan page.

``export`` writes the queue the Pelabelan page works through (dashboard.queries.review_queue: items
no analyst has reviewed, the model's least confident first) to a CSV or XLSX sheet; ``import`` reads the
corrected sheet back and saves every row as an analyst's decision through ``Store.save_human_labels``,
the page's own write, in one transaction, or nothing at all when any row is wrong. The sheet's layout
and checks live in suara/labelsheet.py; this module only wires them to the store and the terminal.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from suara.cli_base import ConfigOption, DbOption, UserError, command_for, err, open_store, out, settings
from suara.store import StoreError

DEFAULT_LIMIT = 200

labels = typer.Typer(
    help="Label in a spreadsheet: export the Pelabelan queue to CSV/XLSX, import the corrected file.",
    no_args_is_help=True,
)
command = command_for(labels)


@command("export")
def export(
    out_file: Annotated[Path, typer.Argument(help="Where to write: a .csv or .xlsx file.")],
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help=f"Items to write (default {DEFAULT_LIMIT}).")
    ] = None,
    app_id: Annotated[str | None, typer.Option("--app", help="Only this app key.")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Only feedback created on/after this date (UTC).")
    ] = None,
    whole_queue: Annotated[
        bool, typer.Option("--all", help="The whole queue instead of its first --limit items.")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the labelling queue (unreviewed items, least confident first, as on the Pelabelan page).

    Each category column is pre-filled with the model's decision (1 or blank) for the analyst to
    correct; texts are masked. Every row of the file counts as reviewed when it is imported.
    """
    from dashboard.filters import Filters
    from dashboard.queries import review_queue
    from nlp.pii import mask
    from suara import labelsheet
    from suara.taxonomy import load_taxonomy

    if whole_queue and limit:
        raise UserError("--all and --limit contradict each other; pass one of them")
    try:
        labelsheet.sheet_format(out_file)
    except labelsheet.SheetError as exc:
        raise UserError(str(exc)) from None
    s = settings(db, config)
    tax = load_taxonomy()
    view = Filters(start=since, apps=(app_id,) if app_id else ())
    queue = review_queue(s.db_path, view, "uncertain", None if whole_queue else limit or DEFAULT_LIMIT)
    try:
        labelsheet.write_sheet(out_file, labelsheet.sheet_rows(queue, tax.ids, mask), tax)
    except labelsheet.SheetError as exc:
        raise UserError(str(exc)) from None
    if queue.empty:
        out.print(
            f"wrote an empty sheet to {out_file}: nothing left to review (every classified item in view has "
            "been reviewed, or nothing is classified yet: run `suara classify`)",
            highlight=False,
        )
        return
    out.print(
        f"wrote {len(queue)} items to {out_file} (least confident first; personal data masked). "
        f"Correct the category columns, fill in reviewer, then `suara labels import {out_file}`",
        highlight=False,
        markup=False,
    )


@command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="A sheet from `suara labels export` (.csv or .xlsx), corrected.")
    ],
    reviewer: Annotated[
        str | None, typer.Option("--reviewer", help="Who reviewed the rows whose reviewer cell is blank.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and count; save nothing.")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Save every row of a labelling sheet as an analyst's decision, all at once or (any row wrong) not at all.

    A row's categories replace the model's (and any earlier analyst's) for that item; a row with no
    category marked says that no category applies.
    """
    from suara import labelsheet
    from suara.taxonomy import load_taxonomy

    tax = load_taxonomy()
    try:
        sheet = labelsheet.read_sheet(file, tax.ids)
    except labelsheet.SheetError as exc:
        raise UserError(str(exc)) from None
    if not sheet.rows and not sheet.problems:
        raise UserError(f"{file} has no rows to import under its header")
    s = settings(db, config)
    if not s.db_path.exists():
        raise StoreError(f"database {s.db_path} does not exist yet: run `suara init` or `make demo`")
    with open_store(s) as store:
        decisions, problems = labelsheet.check(sheet, store.known_hashes(sheet.ids), reviewer)
        if problems:
            for line in labelsheet.summary(file, problems):
                err.print(line, highlight=False, markup=False)
            raise UserError(
                f"{file}: {len(problems)} problem(s), nothing was saved; fix them and import again"
            )
        counts = store.save_human_labels(decisions, dry_run=dry_run)
    done = "would label" if dry_run else "labelled"
    out.print(
        f"{escape(str(file))}: {done} {counts.labelled} items, {counts.changed} changed from before, "
        f"{counts.no_category} marked 'no category'" + ("; dry run, nothing was saved" if dry_run else ""),
        highlight=False,
    )
