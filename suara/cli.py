"""The `suara` command line: one entry point for every stage of the pipeline.

Each command opens the store for as long as it works and reports one-line errors: a problem with
configuration or the database exits with 2, bad input with 1, and nothing half-written is left.
"""

from __future__ import annotations

import functools
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from suara.config import ConfigError, Settings, load_settings
from suara.store import Store, StoreError

app = typer.Typer(
    help="Suara: complaint analytics for Indonesian public-service apps (M-Paspor first).\n\n"
    "Collect reviews and tweets into DuckDB, tag complaint categories, follow trends on a dashboard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="DuckDB file (default: $SUARA_DB, suara.toml, data/suara.duckdb).")
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="Configuration file (default: $SUARA_CONFIG or ./suara.toml).")
]


class UserError(Exception):
    """Bad input from the user: one line says what is wrong and what to do (exit code 1)."""


def command(*args, **kwargs):
    """Register a CLI command whose known errors become one clear line and an exit code."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*a, **k):
            try:
                return fn(*a, **k)
            except (ConfigError, StoreError) as exc:
                err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
                raise typer.Exit(2) from None
            except UserError as exc:
                err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
                raise typer.Exit(1) from None

        return app.command(*args, **kwargs)(wrapper)

    return decorate


def settings(db: Path | None, config: Path | None) -> Settings:
    return load_settings(config=config, db=db)


def open_store(s: Settings) -> Store:
    return Store(s.db_path, salt=s.author_salt)


# -- init / import / status / export ----------------------------------------------------------
@command()
def init(db: DbOption = None, config: ConfigOption = None) -> None:
    """Create the database (or upgrade an older one) with the current schema."""
    s = settings(db, config)
    with open_store(s) as store:
        out.print(f"database {s.db_path} ready (schema version {store.schema_version})")


class ImportFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    tweet_harvest = "tweet-harvest"


@command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="File to load: JSONL or CSV in Suara's normalized schema.")],
    format: Annotated[
        ImportFormat | None, typer.Option("--format", help="File format (default: from the file name).")
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(
            "--map",
            help="Column mapping for exports from other tools, e.g. 'text=content,created_at=date,native_id=id'. "
            "Unmapped fields keep their names; add source=...,app_id=... as constants with 'source:=twitter'.",
        ),
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Load the good lines and report the bad ones (default: all or nothing).")
    ] = False,
    app_id: Annotated[str, typer.Option("--app", help="App key for formats that do not carry one.")] = "mpaspor",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Load feedback from a file into the database, idempotently (re-importing changes nothing)."""
    from ingest import files

    s = settings(db, config)
    fmt = format.value if format else None
    try:
        read = files.read_any(file, fmt, mapping=mapping, app_id=app_id)
    except files.ImportFormatError as exc:
        raise UserError(str(exc)) from None
    if read.errors and not skip_bad:
        lineno, reason = read.errors[0]
        more = f" (and {len(read.errors) - 1} more bad lines)" if len(read.errors) > 1 else ""
        raise UserError(
            f"{file}, line {lineno}: {reason}{more}; nothing was imported. Fix the line or use --skip-bad."
        )
    with open_store(s) as store:
        run_id = store.start_run("import", app_id=app_id)
        from suara.store import to_batch_table

        counts = store.upsert_feedback(to_batch_table(read.records, s.author_salt, validated=True))
        store.finish_run(
            run_id, "success", message=str(file), fetched=len(read.records), new=counts.new,
            updated=counts.updated, skipped=len(read.errors),
        )
    for lineno, reason in read.errors[:20]:
        err.print(f"skipped {file}, line {lineno}: {reason}", highlight=False)
    if len(read.errors) > 20:
        err.print(f"... and {len(read.errors) - 20} more skipped lines", highlight=False)
    out.print(
        f"{file}: {len(read.records)} read, {counts.new} new, {counts.updated} updated, "
        f"{counts.unchanged} unchanged, {len(read.errors)} skipped"
    )


@command()
def status(db: DbOption = None, config: ConfigOption = None) -> None:
    """Show what is in the database: feedback per source and app, the last runs, the model in use."""
    s = settings(db, config)
    if not s.db_path.exists():
        raise StoreError(f"database {s.db_path} does not exist yet: run `suara init` or `make demo`")
    with open_store(s) as store:
        st = store.status()
    out.print(f"database: {st['db']} (schema version {st['schema_version']})")
    t = Table(title="Feedback per source and app")
    for col in ("source", "app", "items", "oldest", "newest"):
        t.add_column(col)
    for source, app_id, n, first, last in st["per_source"]:
        t.add_row(source, app_id, str(n), f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}")
    if not st["per_source"]:
        t.add_row("-", "-", "0", "-", "-")
    out.print(t)
    model = st["model"]
    if model:
        macro = model["metrics"].get("macro_f1_headline")
        extra = f", headline macro-F1 {macro:.3f} on validation" if isinstance(macro, int | float) else ""
        out.print(f"model in use: {model['version']} (trained {model['created_at']:%Y-%m-%d %H:%M}{extra})")
    else:
        out.print("model in use: none yet (run `suara train`)")
    out.print(f"classified items: {st['classified']}; reviewed by analysts: {st['human_reviews']}")
    r = Table(title="Last runs")
    for col in ("run", "job", "source", "app", "started (UTC)", "status", "new", "updated", "message"):
        r.add_column(col)
    for run_id, job, source, app_id, started, _fin, stat, new, upd, msg in st["runs"]:
        r.add_row(str(run_id), job, source or "-", app_id or "-", f"{started:%Y-%m-%d %H:%M}", stat,
                  str(new), str(upd), (msg or "")[:60])
    out.print(r)


class ExportFormat(str, Enum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


@command()
def export(
    out_file: Annotated[Path, typer.Argument(help="Where to write, e.g. export.xlsx")],
    format: Annotated[ExportFormat | None, typer.Option("--format", help="Default: from the file name.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source (play_store, app_store, twitter).")] = None,
    app_id: Annotated[str | None, typer.Option("--app", help="Only this app key.")] = None,
    since: Annotated[datetime | None, typer.Option(help="Only feedback created on/after this date (UTC).")] = None,
    until: Annotated[datetime | None, typer.Option(help="Only feedback created before this date (UTC).")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Export feedback with its categories; personal data masked, spreadsheet formulas neutralized."""
    from nlp.pii import mask
    from suara.export import EXPORT_FORMATS, EXPORT_SQL, safe_frame, write_frame
    from suara.store import read_connection

    s = settings(db, config)
    fmt = format.value if format else out_file.suffix.lstrip(".").lower()
    if fmt not in EXPORT_FORMATS:
        raise UserError(f"{out_file}: cannot tell the format; pass --format ({'|'.join(EXPORT_FORMATS)})")
    with read_connection(s.db_path) as con:
        df = con.execute(EXPORT_SQL, {"source": source, "app": app_id, "since": since, "until": until}).df()
    write_frame(safe_frame(df, mask), out_file, fmt)
    out.print(f"wrote {len(df)} rows to {out_file} ({fmt}; personal data masked)")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
