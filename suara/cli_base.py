"""What every `suara` command shares: the consoles, the --db/--config options and the error handling.

The main app (suara/cli.py) and its command groups (suara/cli_<group>.py, typer sub-apps) register
their commands through ``command_for(group)``, so each reports a known error the same way: one line, a
problem with configuration or the database exits with 2, bad input (``UserError``) with 1. A DuckDB or
OS error that reaches a command (a damaged file, a full disk, a read-only directory) is the setup's
problem too: one line from ``suara.integrity.explain``, exit code 2, never a traceback.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from suara.config import ConfigError, Settings, load_settings
from suara.integrity import explain
from suara.redact import scrub
from suara.store import Store, StoreError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="DuckDB file (default: $SUARA_DB, suara.toml, data/suara.duckdb).")
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="Configuration file (default: $SUARA_CONFIG or ./suara.toml).")
]


class UserError(Exception):
    """Bad input from the user: one line says what is wrong and what to do (exit code 1)."""


def command_for(group: typer.Typer):
    """The decorator that registers a command of ``group`` whose known errors become one line and an exit code."""

    def command(*args, **kwargs):
        def decorate(fn):
            @functools.wraps(fn)
            def wrapper(*a, **k):
                try:
                    return fn(*a, **k)
                except (ConfigError, StoreError) as exc:
                    print_error(exc)
                    raise typer.Exit(2) from None
                except UserError as exc:
                    print_error(exc)
                    raise typer.Exit(1) from None
                except (duckdb.Error, OSError) as exc:
                    print_error(explain(exc, _db_named(k)))
                    raise typer.Exit(2) from None

            return group.command(*args, **kwargs)(wrapper)

        return decorate

    return command


def _db_named(kwargs: dict) -> Path | None:
    """The database a command was working on, to name it in an error (None if that cannot be told)."""
    try:
        return load_settings(config=kwargs.get("config"), db=kwargs.get("db")).db_path
    except Exception:
        return None


def print_error(exc: Exception) -> None:
    """One red line, scrubbed (suara/redact.py); the message is text, not markup: "[train]" or
    "file.jsonl:abc:" print as written."""
    err.print(f"[bold red]error:[/] {escape(scrub(str(exc)))}", highlight=False, soft_wrap=True, emoji=False)


def settings(db: Path | None, config: Path | None) -> Settings:
    return load_settings(config=config, db=db)


def open_store(s: Settings) -> Store:
    return Store(s.db_path, salt=s.author_salt)


def print_eval(title: str, metrics: dict, categories) -> None:
    t = Table(title=title)
    for col in ("category", "precision", "recall", "F1", "support"):
        t.add_column(col, justify="left" if col == "category" else "right")
    for cat in categories:
        m = metrics["per_category"][cat.id]
        star = " *" if cat.headline else ""
        t.add_row(
            cat.id + star, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"])
        )
    out.print(t)
    out.print("* headline category")
    conf = ", ".join(f"{c['true']}->{c['predicted']} ({c['count']})" for c in metrics["confusions"][:8])
    out.print(f"most frequent confusions (true->predicted): {conf or 'none'}", highlight=False)
    out.print(
        f"n={metrics['n']}  micro-F1 {metrics['micro_f1']:.3f}  macro-F1 {metrics['macro_f1']:.3f}  "
        f"macro-F1 headline six {metrics['macro_f1_headline']:.3f}  exact match {metrics['exact_match']:.3f}"
    )
