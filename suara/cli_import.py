"""`suara import FILE`: load a file of reviews, tweets or chats into the store, all or nothing, idempotently.

Registered on the main app by suara/cli.py (``command("import")(import_file)``). The formats and the
per-line checks are ingest/files.py's; this module decides what a user sees and what is stored:

- arguments that cannot work (a bad --map, an unknown --tz, a missing file) are refused before the
  database is opened;
- every import is a row in ``runs``: a refusal after that (bad lines, a file Suara cannot read, repeated
  ids with --strict, a database error) closes it as failed with the one-line reason, and stores no
  feedback, since the upsert is one transaction that runs only once the whole file has been read;
- bad lines stop the file (the first is named by its line number) unless --skip-bad, which loads the
  good ones and names the bad; --skip-bad that leaves nothing to load is still a failure (exit 1);
- an id on two lines: the last line wins and the summary says how many repeated (--strict refuses).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import typer

from suara import imported_files
from suara.cli_base import ConfigOption, DbOption, UserError, err, open_store, out, settings
from suara.config import ConfigError
from suara.integrity import explain, refuse_damaged
from suara.store import StoreError, utcnow
from suara.upsert import Batch, UpsertCounts

# Kept to short tokens: the help column is ~30 characters wide in an 80-column terminal.
MAP_HELP = (
    "Columns of another tool's file: field=column, comma-separated, e.g. "
    "'native_id=id,text=isi,created_at=tgl'; field:=value sets a constant, e.g. 'source:=play_store'. "
    "Fields: source, native_id, app_id, text, created_at, author, title, rating, app_version, lang, "
    "country, reply_text, replied_at, likes, url, raw. A column named like a field needs no entry; "
    "app_id defaults to --app."
)


class ImportFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    csv = "csv"
    play = "play"
    tweet_harvest = "tweet-harvest"
    whatsapp = "whatsapp"


def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            help="File to load: Suara's schema as JSONL/CSV, a google-play-scraper dump (CSV, JSONL, "
            "JSON array), a tweet-harvest CSV, a WhatsApp chat export (.txt, --format whatsapp), or "
            "another tool's file with --map."
        ),
    ],
    format: Annotated[
        ImportFormat | None,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="jsonl, json, csv, play (google-play-scraper), tweet-harvest or whatsapp. Default: from the "
            "name, and play or tweet-harvest from the header; .json is an array or JSON Lines by its "
            "content.",
        ),
    ] = None,
    mapping: Annotated[str | None, typer.Option("--map", metavar="SPEC", help=MAP_HELP)] = None,
    skip_bad: Annotated[
        bool,
        typer.Option(
            "--skip-bad", help="Load the good lines and report the bad ones (default: all or nothing)."
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse a file in which an id appears on two lines (default: the last line wins, "
            "and the summary counts the repeats).",
        ),
    ] = False,
    app_id: Annotated[
        str, typer.Option("--app", help="App key for rows that carry none (mapped files, dumps, tweets).")
    ] = "mpaspor",
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="Time zone of the naive times in a google-play-scraper dump or a WhatsApp chat "
            "(default Asia/Jakarta: the scraping machine's or the phone's local time). Other formats "
            "give UTC or an offset.",
        ),
    ] = None,
    office_senders: Annotated[
        list[str] | None,
        typer.Option(
            "--office-sender",
            metavar="NAME_OR_NUMBER",
            help="WhatsApp: the office's own name or number as the chat shows it (repeatable); its "
            "messages are replies to the citizen's feedback before them.",
        ),
    ] = None,
    office: Annotated[
        str | None,
        typer.Option(
            "--office",
            metavar="KANIM",
            help="WhatsApp: the office whose chat this is, an office_id of data/offices.csv "
            "(e.g. kanim-jakarta-selatan).",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Load feedback from a file into the database, idempotently (re-importing changes nothing).

    One bad line stops the whole file, named by its line number, unless --skip-bad.

    A google-play-scraper CSV: suara import ulasan.csv --format play --app mpaspor

    A WhatsApp chat: suara import chat.txt --format whatsapp --office-sender "Kanim Jaksel"
    """
    from ingest import files

    s = settings(db, config)
    fmt = format.value if format else None
    try:
        spec = files.parse_spec(mapping)
    except files.ImportFormatError as exc:
        raise UserError(str(exc)) from None
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise UserError(
                f"--tz {tz!r} is not a time zone; use a name such as Asia/Jakarta or UTC"
            ) from None
    if fmt != "whatsapp" and (office_senders or office):
        raise UserError("--office and --office-sender apply to --format whatsapp only; drop them")
    senders = _office_senders(s, app_id, office_senders) if fmt == "whatsapp" else ()
    if office is not None:
        _check_office(office)
    if not file.is_file():
        raise UserError(f"{file}: {'not a file' if file.exists() else 'file not found'}")
    package = _play_package(s, app_id)
    with open_store(s) as store:
        refuse_damaged(store.con, s.db_path)
        run_id = store.start_run("import", app_id=app_id)
        try:
            read, counts = _load(
                store, file, fmt, spec, app_id, package, tz, s.author_salt, skip_bad, strict, senders, office
            )
        except (UserError, files.ImportFormatError, StoreError, duckdb.Error, OSError) as exc:
            _fail(store, run_id, exc)
            if isinstance(exc, files.ImportFormatError):
                raise UserError(str(exc)) from None
            if isinstance(exc, duckdb.Error | OSError):
                raise StoreError(
                    f"import of {file} failed, nothing was stored: {explain(exc, s.db_path)}"
                ) from None
            raise
        except BaseException as exc:
            _fail(store, run_id, exc)
            raise
        store.finish_run(
            run_id,
            "success",
            message=str(file),
            fetched=read.n_read,
            new=counts.new,
            updated=counts.updated,
            skipped=len(read.errors),
        )
    for lineno, reason in read.errors[:20]:
        err.print(f"skipped {file}, {read.unit} {lineno}: {reason}", highlight=False)
    if len(read.errors) > 20:
        err.print(f"... and {len(read.errors) - 20} more skipped {read.unit}s", highlight=False)
    repeats = ""
    if read.duplicates:
        line, first = read.duplicates[0]
        repeats = (
            f" ({len(read.duplicates)} repeated an earlier id, e.g. {read.unit} {line} that of {read.unit} {first}; "
            "the last one wins)"
        )
    out.print(
        f"{file}: {read.n_read} read{repeats}, {counts.new} new, {counts.updated} updated, "
        f"{counts.unchanged} unchanged, {len(read.errors)} skipped",
        highlight=False,
    )


def _play_package(s, app_id: str) -> str | None:
    """The app's Play id, for the links of a Play dump; an app not configured gets no links."""
    try:
        return s.app(app_id).play_package
    except ConfigError:
        return None


def _office_senders(s, app_id: str, given: list[str] | None) -> tuple[str, ...]:
    """--office-sender, else the app's whatsapp_office_senders in suara.toml; one of them is needed."""
    try:
        configured = s.app(app_id).whatsapp_office_senders
    except ConfigError:
        configured = ()
    senders = tuple(x for x in (given or configured) if x.strip())
    if not senders:
        raise UserError(
            "--format whatsapp needs --office-sender NAME_OR_NUMBER (or whatsapp_office_senders in the "
            "app's [apps.KEY] of suara.toml): the office's own name or number as the chat shows it, so "
            "that its messages count as replies, not as complaints"
        )
    return senders


def _check_office(office: str) -> None:
    """--office names an office of the gazetteer, so that the chat's feedback can be counted for it."""
    from nlp.offices import load_offices

    try:
        known = {o.office_id for o in load_offices()}
    except (OSError, ValueError) as exc:
        raise UserError(f"--office {office!r} cannot be checked: {exc}") from None
    if office not in known:
        close = sorted(k for k in known if office.lower().replace("kanim-", "") in k)[:5]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UserError(
            f"--office {office!r} is not an office_id of data/offices.csv{hint}; "
            "use an id such as kanim-jakarta-selatan"
        )


def _load(store, file, fmt, spec, app_id, package, tz, salt, skip_bad, strict, senders=(), office=None):
    from ingest import files

    fp = None
    if files.fast_path(file, fmt, spec, tz, salt) and not senders and office is None:
        # The file's sha256 is read in a thread while DuckDB inserts it into an empty store.
        with ThreadPoolExecutor(max_workers=1) as pool:
            hashing = pool.submit(imported_files.fingerprint, file, app_id)
            rows = imported_files.into_empty(store.con, file, app_id, salt, hashing.result, utcnow())
            fp = hashing.result()
        if rows is not None:
            return files.FileRead(staged=Batch("", rows)), UpsertCounts(new=rows)
        same = imported_files.unchanged(store.con, file, fp)
        if same is not None:  # the same bytes, stored as they left them: only seen again
            try:
                with store.transaction() as con:
                    return files.FileRead(staged=same), imported_files.seen_again(con, same, fp, utcnow())
            finally:
                if same.name:
                    store.con.execute(f"DROP TABLE IF EXISTS {same.name}")
    read = files.read_any(
        file,
        fmt,
        spec,
        app_id=app_id,
        salt=salt,
        package=package,
        tz=tz,
        office_senders=senders,
        office=office,
        con=store.con,
    )
    try:
        counts = _checked_upsert(store, file, read, skip_bad, strict, salt)
        if read.staged is not None and fp is not None:
            imported_files.record(store.con, fp, read.staged.name, utcnow())
        return read, counts
    finally:
        if read.staged is not None and read.staged.name:
            store.con.execute(f"DROP TABLE IF EXISTS {read.staged.name}")


def _checked_upsert(store, file, read, skip_bad: bool, strict: bool, salt: str):
    """Refuse what the options say to refuse, then store the file in one transaction."""
    unit = read.unit
    if read.errors and not read.n_read:
        lineno, reason = read.errors[0]
        raise UserError(
            f"{file}: all {len(read.errors)} {unit}s are bad (first: {unit} {lineno}: {reason}); "
            "nothing was imported. Check the file and its --format."
        )
    if read.errors and not skip_bad:
        lineno, reason = read.errors[0]
        more = f" (and {len(read.errors) - 1} more bad {unit}s)" if len(read.errors) > 1 else ""
        raise UserError(
            f"{file}, {unit} {lineno}: {reason}{more}; nothing was imported. Fix the {unit} or use --skip-bad."
        )
    if read.duplicates and strict:
        line, first = read.duplicates[0]
        raise UserError(
            f"{file}, {unit} {line}: the same id as {unit} {first} ({len(read.duplicates)} repeated ids in all); "
            "nothing was imported (--strict). Remove the repeats, or drop --strict to keep the last of each."
        )
    return store.upsert_feedback(read.batch(salt))


def _fail(store, run_id: int, exc: BaseException) -> None:
    """Close the run as failed with the reason's first line; a broken store must not hide the reason."""
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:500]
    try:
        store.finish_run(run_id, "failed", message=reason)
    except (duckdb.Error, StoreError):
        pass
