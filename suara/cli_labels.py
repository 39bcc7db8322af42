"""`suara labels`: label in a spreadsheet instead of the dashboard's Pelabelan page.

``export`` writes the queue the Pelabelan page works through, through the page's own query
(suara.review_queue: groups of near-duplicate texts no analyst has reviewed, by expected value of a
label) to a CSV or XLSX sheet, one row per group; ``import`` reads the corrected sheet back and saves
every row's decision for its text and its near-duplicates through ``suara.human_labels``, the page's
own write, in one transaction, or nothing at all when any row is wrong. The sheet's layout and writing
live in suara/labelsheet.py, its reading and checks in suara/labelsheet_read.py; this module only
wires them to the store and the terminal. It does not import the dashboard (its filters module pulls
in Streamlit): ``--app`` and ``--since`` are the two conditions it passes to the queue.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from suara.cli_base import ConfigOption, DbOption, UserError, command_for, err, open_store, out, settings
from suara.human_labels import save_human_labels
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
        int | None,
        typer.Option(
            "--limit",
            min=1,
            help=f"Groups of near-duplicate texts to write, one row each (default {DEFAULT_LIMIT}).",
        ),
    ] = None,
    app_id: Annotated[str | None, typer.Option("--app", help="Only this app key.")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Only feedback created on/after this date (UTC).")
    ] = None,
    whole_queue: Annotated[
        bool, typer.Option("--all", help="The whole queue (every group) instead of its first --limit groups.")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the labelling queue as on the Pelabelan page: one row per group of near-duplicate unreviewed
    texts, the most worth labelling first.

    A row shows the group's newest text (masked), `similar` (how many texts its decision labels) and
    `similar_ids` (the others). Each category column is pre-filled with the model's decision (1 or
    blank) for the analyst to correct. On import every row counts as reviewed, for its whole group.
    """
    from nlp.pii import mask
    from suara import labelsheet
    from suara.review_queue import review_queue
    from suara.store import read_connection
    from suara.taxonomy import load_taxonomy

    if whole_queue and limit:
        raise UserError("--all and --limit contradict each other; pass one of them")
    try:
        labelsheet.sheet_format(out_file)
    except labelsheet.SheetError as exc:
        raise UserError(str(exc)) from None
    s = settings(db, config)
    tax = load_taxonomy()
    conditions, params = ["true"], {}
    if since:
        conditions.append("f.created_at >= $start")
        params["start"] = since
    if app_id:
        conditions.append("f.app_id = $app")
        params["app"] = app_id
    groups = None if whole_queue else limit or DEFAULT_LIMIT  # None: LIMIT NULL, every group
    with read_connection(s.db_path) as con:
        queue = review_queue(con, " AND ".join(conditions), params, "uncertain", groups)
    rows = labelsheet.sheet_rows(queue, tax.ids, mask)
    try:
        labelsheet.write_sheet(out_file, rows, tax)
    except labelsheet.SheetError as exc:
        raise UserError(str(exc)) from None
    if queue.empty:
        out.print(
            f"wrote an empty sheet to {out_file}: nothing left to review (every classified item in view has "
            "been reviewed, or nothing is classified yet: run `suara classify`)",
            highlight=False,
        )
        return
    similar = labelsheet.INFO_COLUMNS.index("similar")
    items = sum(row[similar] for row in rows)
    left_out = int(queue["n"].sum()) - items
    out.print(
        f"wrote {len(rows)} rows covering {items} items to {out_file} (one row per group of near-duplicates, "
        "most worth labelling first; personal data masked). Correct the category columns, fill in reviewer, "
        f"then `suara labels import {out_file}`"
        + (
            f". {left_out} near-duplicates of very large groups did not fit in a similar_ids cell: "
            "they come back in the next export"
            if left_out
            else ""
        ),
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

    A row's categories replace the model's (and any earlier analyst's) for its item and for every item in
    its similar_ids (a sheet without that column: only the ids given); a row with no category marked
    says that no category applies.
    """
    from suara import labelsheet, labelsheet_read
    from suara.taxonomy import load_taxonomy

    tax = load_taxonomy()
    try:
        sheet = labelsheet_read.read_sheet(file, tax.ids)
    except labelsheet.SheetError as exc:
        raise UserError(str(exc)) from None
    if not sheet.rows and not sheet.problems:
        raise UserError(f"{file} has no rows to import under its header")
    s = settings(db, config)
    if not s.db_path.exists():
        raise StoreError(f"database {s.db_path} does not exist yet: run `suara init` or `make demo`")
    with open_store(s) as store:
        decisions, problems = labelsheet_read.check(sheet, store.known_hashes(sheet.ids), reviewer)
        if problems:
            for line in labelsheet_read.summary(file, problems):
                err.print(line, highlight=False, markup=False)
            raise UserError(
                f"{file}: {len(problems)} problem(s), nothing was saved; fix them and import again"
            )
        counts = save_human_labels(store, decisions, dry_run=dry_run)
    done = "would label" if dry_run else "labelled"
    out.print(
        f"{escape(str(file))}: {done} {counts.labelled} items from {len(sheet.rows)} rows, "
        f"{counts.changed} changed from before, "
        f"{counts.no_category} marked 'no category'" + ("; dry run, nothing was saved" if dry_run else ""),
        highlight=False,
    )
