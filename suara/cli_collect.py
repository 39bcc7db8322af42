"""`suara collect` and `suara nightly`: the commands that go to the sources.

Registered on the main app by suara/cli.py (``command()(collect)``, ``command()(nightly)``), so they
report errors like every command. `suara collect` runs each source once for each app, by hand, through
ingest/collect.py; `suara nightly` is the unattended job around the same collector (collect, retrain if
asked, classify, alert, digest, back up: suara/nightly.py), with its own exit codes (3: another run
holds the lock). A source that fails does not stop the others, in either command.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from suara.cli_base import ConfigOption, DbOption, UserError, err, open_store, out, settings
from suara.config import DigestLang


class CollectSource(StrEnum):
    play = "play"
    appstore = "appstore"
    twitter = "twitter"
    play_api = "play-api"
    appstore_api = "appstore-api"
    instagram = "instagram"
    all = "all"


def collect(
    source: Annotated[
        CollectSource,
        typer.Option(
            "--source",
            help="Google Play, the App Store, X (needs $X_BEARER_TOKEN), all three (and instagram where "
            "configured), an owned app's reviews through the official APIs (play-api, appstore-api; "
            "credentials as for `suara reply`), or comments on the institution's Instagram posts (instagram).",
        ),
    ] = CollectSource.all,
    app_key: Annotated[
        str | None, typer.Option("--app", help="Only this app key (default: every app).")
    ] = None,
    max_items: Annotated[
        int | None, typer.Option("--max", min=1, help="Stop each source after the page that reaches N items.")
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help="Backfill: read past stored items; Play resumes a stopped backfill."),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Fetch and count, write nothing.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Collect new reviews and tweets into the database: one run per source and app, new items first.

    A source that fails (network, rate limit, changed format, missing token) keeps what it stored so far
    and does not stop the others; the command then exits with 1.
    """
    from ingest.collect import collect as collect_source
    from ingest.collect import default_sources

    s = settings(db, config)
    apps = [s.app(app_key)] if app_key else list(s.apps)
    store = None if dry_run and not s.db_path.exists() else open_store(s)
    try:
        results = [
            collect_source(store, s, a, name, max_items=max_items, full=full, dry_run=dry_run, console=out)
            for a in apps
            for name in (default_sources(a) if source is CollectSource.all else [source.value])
        ]
    finally:
        if store is not None:
            store.close()
    failed = [f"{r.source}/{r.app_id}" for r in results if r.failed]
    if failed:
        raise UserError(
            f"{len(failed)} of {len(results)} source runs failed ({', '.join(failed)}); see above"
        )


def nightly(
    retrain: Annotated[
        bool,
        typer.Option(
            "--retrain",
            help="First retrain if analysts labelled items since the last training; the new model becomes "
            "current only if it is not worse on held-out texts (see `suara train`).",
        ),
    ] = False,
    sources: Annotated[
        list[str] | None,
        typer.Option(
            "--sources",
            help="Sources, comma-separated: play,appstore,twitter,play-api,appstore-api (default: the public ones, and the owner's APIs whose credentials are set).",
        ),
    ] = None,
    max_items: Annotated[
        int | None, typer.Option("--max", min=1, help="Stop each source after the page that reaches N items.")
    ] = None,
    log_file: Annotated[
        Path | None,
        typer.Option("--log-file", help="Also log JSON lines here (default: log_file in suara.toml)."),
    ] = None,
    lang: Annotated[
        DigestLang | None,
        typer.Option(
            "--lang", help="The digest's language: id (Bahasa Indonesia) or en (default: \\[digest] lang)."
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Run the unattended job once: collect, classify, alert, digest (data/reports/), back up.

    Exit codes: 0 all well; 1 a source or a step failed (the others went on);
    2 a configuration or database error; 3 another nightly run holds the lock.

    Schedule it with the files in deploy/ (systemd timer or cron); see deploy/README.md.
    """
    from suara.lock import LockHeld
    from suara.logs import setup_logging
    from suara.nightly import run_nightly
    from suara.redact import scrub

    s = settings(db, config)
    if lang is not None:
        s = replace(s, digest_lang=lang.value)
    setup_logging(json_file=log_file or s.log_file)
    only = [n.strip() for item in sources or [] for n in item.split(",") if n.strip() and n.strip() != "all"]
    try:
        result = run_nightly(s, only=only or None, max_items=max_items, retrain=retrain)
    except LockHeld as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(3) from None
    t = Table(title=f"suara nightly, {result.as_of:%Y-%m-%d %H:%M} UTC")
    for col in ("step", "status", "seconds", "note"):
        t.add_column(col)
    for step in result.steps:
        t.add_row(step.name, step.status, f"{step.seconds:.1f}", scrub(step.message)[:100])
    out.print(t)
    if result.digest:
        out.print(f"digest: {result.digest[0]} and {result.digest[1].name}", highlight=False)
    out.print(f"exit code {result.exit_code}", highlight=False)
    raise typer.Exit(result.exit_code)
