"""`suara restore`: rebuild a database file from the nightly's backups (a full copy and its increments).

Registered on the main app by suara/cli.py (``command("restore")(restore)``), so it reports errors like
every command: one line, exit code 2 for a chain that cannot be used (a missing increment, another
schema version, a damaged file) and 1 for bad input (a target that exists, a day that is not a date).
The work, and what is checked before the file gets its name, is suara/restore.py's; this module finds
the backups directory the nightly writes to and prints what was restored.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from suara.backup_chain import BackupError
from suara.cli_base import ConfigOption, DbOption, UserError, out, settings


def restore(
    to: Annotated[Path, typer.Option("--to", help="The new database file to write (must not exist).")],
    day: Annotated[
        str | None,
        typer.Option("--day", metavar="YYYY-MM-DD", help="Restore the newest backup of this day or before."),
    ] = None,
    backups_dir: Annotated[
        Path | None,
        typer.Option(
            "--backups-dir",
            help="Where the backups are (default: [nightly] backups_dir, or backups/ beside --db).",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Rebuild the database of a day from its full backup copy and the increments after it, into a new
    file, checked against what the backups recorded. The live database is not touched."""
    from suara.nightly_plan import options
    from suara.restore import restore_database

    s = settings(db, config)
    try:
        when = date.fromisoformat(day) if day else None
    except ValueError:
        raise UserError(f"--day {day!r} is not a date (YYYY-MM-DD)") from None
    where = backups_dir or options(s)["backups_dir"] or s.db_path.parent / "backups"
    if to.exists():
        raise UserError(f"{to} already exists; restore into a new file (nothing was written)")
    if not to.parent.is_dir():
        raise UserError(f"directory {to.parent} does not exist (nothing was written)")
    try:
        done = restore_database(where, s.db_path.stem, to, when)
    except BackupError as exc:
        if to.exists():
            raise UserError(str(exc)) from None
        raise
    chain = done.chain
    extra = f" + {len(chain.increments)} increment(s) to {chain.tail.day}" if chain.increments else ""
    out.print(
        f"restored {chain.full.path.name}{extra} into {to}: {done.rows.get('feedback', 0):,} feedback rows, "
        f"{len(done.rows)} tables checked against the backup",
        highlight=False,
    )
    out.print(
        f"to use it: stop the dashboard and the nightly, then move {to} to {s.db_path}", highlight=False
    )
