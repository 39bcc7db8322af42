"""`suara report`: the monthly PDF report for leadership, written whole or not at all.

Registered on the main app by suara/cli.py (``command("report")(report)``). The work is report/
(report.data gathers, report.pdf lays out); this module checks the options before any work, builds
the PDF in memory and writes it to a temporary file beside ``--out`` that is renamed over it only
when complete, so a failed run never leaves a half-written or truncated report behind.

A month without feedback is refused (exit 1) with the months the store holds, rather than written as
a report of zeros: a leadership report saying "0 complaints" would read as good news, when it means a
wrong month, a wrong app or a collector that stopped. Reads only (a read-only connection).

Exit codes: 0; 1 bad input (--month not YYYY-MM, a month or app without feedback, an --out that
cannot be written); 2 a configuration or database problem (no database).
"""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from suara.cli_base import ConfigOption, DbOption, UserError, out, settings


class ReportLang(StrEnum):
    id = "id"
    en = "en"


def _writable_target(path: Path) -> Path:
    """``path`` (with ~ expanded), or a UserError saying why a report cannot be written there."""
    target = path.expanduser()
    if target.is_dir():
        raise UserError(f"--out {path}: is a directory; give a file name such as {target / 'laporan.pdf'}")
    parent = target.parent
    if not parent.is_dir():
        missing = "is not a folder" if parent.exists() else "does not exist"
        raise UserError(f"--out {path}: {parent} {missing}; create the folder or choose another path")
    if not os.access(parent, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UserError(f"--out {path}: cannot write there (permission denied); choose a writable path")
    return target


def write_whole(target: Path, data: bytes) -> None:
    """``data`` into ``target`` through a temporary file in the same folder and an atomic rename."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        umask = os.umask(0o22)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is an ordinary file
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        _discard(tmp)
        raise UserError(
            f"--out {target}: cannot write the report ({exc.strerror or exc}); choose another path"
        ) from None
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: str | None) -> None:
    if tmp:
        Path(tmp).unlink(missing_ok=True)


def report(
    month: Annotated[str, typer.Option("--month", help="The month to report, YYYY-MM (e.g. 2026-11).")],
    out_path: Annotated[Path, typer.Option("--out", help="The PDF file to write (e.g. laporan.pdf).")],
    lang: Annotated[
        ReportLang, typer.Option("--lang", help="Language: id (Bahasa Indonesia, default) or en.")
    ] = ReportLang.id,
    app_key: Annotated[
        str | None,
        typer.Option("--app", help="One app (a key of [apps.*] in suara.toml, or its name); default: all."),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the monthly report as a PDF: the month's figures against the month before (volume, share
    with a complaint, average rating, response rate), the top complaints with masked example texts,
    and the offices and app releases that stand out."""
    from report.months import parse_month

    try:
        first_day = parse_month(month)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    target = _writable_target(out_path)  # both checked before the heavy imports below

    from report import build
    from report.data import NoData, data_span
    from suara.store import read_connection

    s = settings(db, config)
    with read_connection(s.db_path):
        pass  # a damaged or newer database says so here, in one line, before any work
    names = {a.key: a.name for a in s.apps}
    if app_key is not None and app_key not in names:  # a display name ("Mobile JKN") names its key too
        app_key = next((key for key, name in names.items() if name.casefold() == app_key.casefold()), app_key)
    try:
        data = build(s.db_path, first_day, lang=lang.value, app=app_key, app_name=names.get(app_key or ""))
    except NoData:
        first, last = data_span(s.db_path)
        where = f" for app {app_key} (configured: {', '.join(names)})" if app_key else ""
        held = f"the database holds {first:%Y-%m} to {last:%Y-%m}" if last else "the database is empty"
        raise UserError(
            f"--month {month}: no feedback{where} in that month ({held}); pick another month"
        ) from None
    write_whole(target, data)
    out.print(f"wrote {target} ({len(data) // 1024} KB, {first_day:%Y-%m}, {lang.value})", highlight=False)
