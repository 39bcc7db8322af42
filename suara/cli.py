"""The `suara` command line: one entry point for every stage of the pipeline.

Each command opens the store for as long as it works and reports one-line errors: a problem with
configuration or the database exits with 2, bad input with 1, and nothing half-written is left
(suara/cli_base.py). Command groups live in their own modules (`suara labels`: suara/cli_labels.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from suara import cli_alerts, cli_backup, cli_collect, cli_import, cli_report, cli_topics, cli_train
from suara.cli_base import (
    ConfigOption,
    DbOption,
    UserError,
    command_for,
    err,
    open_store,
    out,
    print_eval,
    settings,
)
from suara.cli_labels import labels
from suara.cli_reply import reply
from suara.cli_sentiment import sentiment
from suara.model_labels import BATCH_ROWS
from suara.store import StoreError, first_row

app = typer.Typer(
    help="Suara: complaint analytics for Indonesian public-service apps (M-Paspor first).\n\n"
    "Collect reviews and tweets into DuckDB, tag complaint categories, follow trends on a dashboard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(labels, name="labels")
app.add_typer(reply, name="reply")  # suara/cli_reply.py
app.add_typer(sentiment, name="sentiment")  # suara/cli_sentiment.py
command = command_for(app)


# -- init / import / status / export ----------------------------------------------------------
@command()
def init(db: DbOption = None, config: ConfigOption = None) -> None:
    """Create the database (or upgrade an older one) with the current schema, and the installation's
    secret salt for author hashes (.suara-salt beside suara.toml, or the database) if none is set."""
    from suara.salt import init_salt

    s = settings(db, config)
    with open_store(s) as store:
        out.print(f"database {s.db_path} ready (schema version {store.schema_version})")
        hashed = first_row(store.con, "SELECT count(*) FROM feedback WHERE author_hash IS NOT NULL")[0]
    out.print(init_salt(s, hashed), highlight=False)


command("import")(cli_import.import_file)  # `suara import` (suara/cli_import.py)


@command()
def status(db: DbOption = None, config: ConfigOption = None) -> None:
    """Show what is in the database: feedback per source and app, the last runs, the model in use.

    Reads only (a read-only connection): works on a read-only data directory too.
    """
    from suara.overview import status as read_status
    from suara.store import trained_at

    st = read_status(settings(db, config).db_path)
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
        real = (model["metrics"].get("validation_real") or {}).get("macro_f1_headline")
        extra = ""
        if isinstance(macro, int | float):
            extra = f", headline macro-F1 {macro:.3f} on validation"
            if isinstance(real, int | float):
                extra += f", {real:.3f} on its real reviews"
        when = f"trained {trained_at(model):%Y-%m-%d %H:%M}, registered {model['created_at']:%Y-%m-%d %H:%M}"
        out.print(f"model in use: {model['version']} ({when}{extra})")
        if model["metrics"].get("sources"):
            from suara.training import describe_sources

            out.print(f"  trained on: {describe_sources(model['metrics']['sources'])}", highlight=False)
    else:
        out.print("model in use: none yet (run `suara train`)")
    out.print(f"classified items: {st['classified']}; reviewed by analysts: {st['human_reviews']}")
    for line in st.get("taxonomy", []):  # the taxonomy's version and the analysts' categories
        out.print(line, highlight=False, markup=False)
    r = Table(title="Last runs")
    for col in ("run", "job", "source", "app", "started (UTC)", "status", "new", "updated", "message"):
        r.add_column(col)
    for run_id, job, source, app_id, started, _fin, stat, new, upd, msg in st["runs"]:
        r.add_row(
            str(run_id),
            job,
            source or "-",
            app_id or "-",
            f"{started:%Y-%m-%d %H:%M}",
            stat,
            str(new),
            str(upd),
            (msg or "")[:60],
        )
    out.print(r)
    for line in st["warnings"]:  # gaps and warnings of the sources (ingest/health.py)
        out.print(f"source {line}", highlight=False, markup=False)


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


@command()
def export(
    out_file: Annotated[Path, typer.Argument(help="Where to write, e.g. export.xlsx")],
    format: Annotated[
        ExportFormat | None, typer.Option("--format", help="Default: from the file name.")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="Only this source (play_store, app_store, twitter, whatsapp, instagram)."),
    ] = None,
    app_id: Annotated[str | None, typer.Option("--app", help="Only this app key.")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Only feedback created on/after this date (UTC).")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(help="Only feedback created before this date (UTC).")
    ] = None,
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


# -- collect (suara/cli_collect.py) ------------------------------------------------------------
command()(cli_collect.collect)  # `suara collect` (suara/cli_collect.py)

# -- eval / classify / predict (train: suara/cli_train.py) -------------------------------------
command()(cli_train.train)  # `suara train` (suara/cli_train.py), listed before eval in --help
app.add_typer(cli_topics.topics_app, name="topics")  # `suara topics [dismiss|merge|promote]`
command("report")(cli_report.report)  # `suara report` (suara/cli_report.py)


class Baseline(StrEnum):
    keywords = "keywords"


@command("eval")
def eval_(
    data: Annotated[Path, typer.Option("--data", help="Labelled JSONL to evaluate on.")],
    model_version: Annotated[
        str | None, typer.Option("--model", help="Model version (default: current).")
    ] = None,
    baseline: Annotated[Baseline | None, typer.Option(help="Evaluate the keyword baseline instead.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Per-category precision/recall/F1, micro and macro F1 (all and headline six), top confusions."""
    import json

    from nlp.dataset import LabelledDataError, load_labelled
    from nlp.evaluate import KeywordMatcher, evaluate
    from suara.model_files import resolve_model_dir
    from suara.taxonomy import load_taxonomy

    tax = load_taxonomy()
    try:
        texts, gold, ratings = load_labelled(data, tax.ids)
    except LabelledDataError as exc:
        raise UserError(str(exc)) from None
    if baseline:
        name, pred = "keyword baseline", KeywordMatcher.from_taxonomy(tax).predict(texts)
    else:
        from suara.model_files import load_model

        s = settings(db, config)
        store = open_store(s) if s.db_path.exists() else None
        try:
            path = resolve_model_dir(store, model_version)
        finally:
            if store:
                store.close()
        model = load_model(path)
        name, pred = f"model {model.version}", model.predict(texts, ratings)
    metrics = evaluate(gold, pred, tax.ids, tax.headline_ids)
    if as_json:
        out.print_json(json.dumps(metrics))
    else:
        print_eval(f"{name} on {data}", metrics, tax.categories)


@command()
def classify(
    batch_size: Annotated[int, typer.Option(help="Rows per batch (one transaction each).")] = BATCH_ROWS,
    if_model: Annotated[
        bool, typer.Option("--if-model", help="Skip quietly (exit 0) when no model has been trained yet.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(help="Processes scoring batches side by side (default: one per CPU core, at most 4)."),
    ] = 0,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Label every feedback item that the current model has not labelled yet or whose text changed."""
    from rich.progress import Progress

    from suara.classify import run_classify
    from suara.model_files import ModelUnusable, NoModel

    s = settings(db, config)
    with Progress(console=err, transient=True) as bar:
        task = None

        def started(version: str, pending: int) -> None:
            nonlocal task
            task = bar.add_task(f"classifying with {version}", total=pending)

        try:
            run = run_classify(
                lambda: open_store(s),
                batch_size=batch_size,
                apps=s.apps,
                workers=workers,
                started=started,
                progress=lambda n: bar.advance(task, n),
            )
        except NoModel as exc:
            if not if_model or isinstance(exc, ModelUnusable):
                raise
            out.print(f"skipping classification: {exc}")
            return
    out.print(f"classified {run.done} items with model {run.model_version} ({run.pending - run.done} left)")


@command()
def predict(
    in_file: Annotated[Path, typer.Option("--in", help='JSONL input: {"id": ..., "text": ...} per line.')],
    out_file: Annotated[
        Path, typer.Option("--out", help="JSONL output: id, labels, scores, in input order.")
    ],
    model_version: Annotated[
        str | None, typer.Option("--model", help="Model version (default: current).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Texts per batch (bounds memory).")] = 2000,
    workers: Annotated[
        int,
        typer.Option(help="Processes scoring batches side by side (default: one per CPU core, at most 4)."),
    ] = 0,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Classify texts from a file, streaming: millions of lines run in bounded memory."""
    from nlp.predict import PredictInputError, predict_stream
    from suara.batch_scoring import default_workers
    from suara.model_files import load_model, resolve_model_dir

    s = settings(db, config)
    store = open_store(s) if s.db_path.exists() and not model_version else None
    try:
        model = load_model(resolve_model_dir(store, model_version))
    finally:
        if store:
            store.close()
    try:
        n = predict_stream(model, in_file, out_file, batch_size, workers or default_workers())
    except PredictInputError as exc:
        raise UserError(str(exc)) from None
    out.print(f"wrote {n} predictions to {out_file} (model {model.version})")


@command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    host: Annotated[
        str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it to this machine, 0.0.0.0 opens it.")
    ] = "127.0.0.1",
    local_user: Annotated[
        str | None, typer.Option("--local-user", help="Without a login: who drafts and approves replies.")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Serve the dashboard (Streamlit) at http://HOST:PORT; it only reads the database, except analysts' labels."""
    import os
    import socket
    import sys

    import dashboard as dashboard_pkg

    s = settings(db, config)
    if not s.db_path.exists():
        raise StoreError(f"database {s.db_path} does not exist yet: run `suara init` or `make demo`")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no conflict
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UserError(
                f"cannot listen on {host}:{port} ({exc.strerror}); pick another with --port"
            ) from None
    app_file = Path(dashboard_pkg.__file__).resolve().parent / "app.py"
    cmd = [
        sys.executable, "-m", "dashboard.serve", "run", str(app_file),  # streamlit run, modules preloaded
        "--server.address", host, "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", "--server.runOnSave", "false",
        "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    root = str(app_file.parent.parent)  # where `-m dashboard.serve` is found, installed or not
    env = (
        {
            **os.environ,
            "SUARA_DB": str(s.db_path.resolve()),
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        }
        | ({"SUARA_LOCAL_USER": local_user} if local_user else {})
        | ({"SUARA_CONFIG": str(s.config_path.resolve())} if s.config_path else {})
    )  # app names, scopes
    out.print(
        f"Suara dashboard: http://{host}:{port} (database {s.db_path}); Ctrl+C to stop", highlight=False
    )
    sys.stdout.flush()
    os.execve(sys.executable, cmd, env)  # streamlit takes over this process: signals reach it directly


command()(cli_alerts.alerts)  # `suara alerts` (suara/cli_alerts.py)


# -- nightly (suara/cli_collect.py) / doctor ---------------------------------------------------
command()(cli_collect.nightly)  # `suara nightly` (suara/cli_collect.py)
command("restore")(cli_backup.restore)  # `suara restore` from the nightly's backups (suara/cli_backup.py)


@command()
def doctor(db: DbOption = None, config: ConfigOption = None) -> None:
    """Check configuration, database, model, source credentials and data files; say what is missing.

    Exits 0 when every essential check passes (warnings are things the job can run without).
    """
    from rich.markup import escape

    from suara.doctor import healthy, run_checks

    marks = {"ok": "[green]ok  [/]", "warn": "[yellow]warn[/]", "fail": "[bold red]FAIL[/]"}
    checks = run_checks(config, db)
    for c in checks:  # details quote config tables ("[apps.x]"): text, not markup
        hint = f"\n       -> {escape(c.hint)}" if c.hint and c.status != "ok" else ""
        out.print(f"{marks[c.status]} {escape(c.name)}: {escape(c.detail)}{hint}", highlight=False)
    if healthy(checks):
        warns = sum(c.status == "warn" for c in checks)
        out.print(f"ready for `suara nightly`{f' ({warns} warning(s) above)' if warns else ''}")
        return
    failed = ", ".join(c.name for c in checks if c.status == "fail")
    out.print(f"[bold red]not ready:[/] fix {escape(failed)} (see above)", highlight=False)
    raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":  # python -m suara.cli: run the module proper, where every command is registered
    from suara.cli import main as registered_main

    registered_main()
