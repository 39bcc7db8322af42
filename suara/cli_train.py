"""`suara train`: train on the configured labelled sources, then let the promotion gate decide.

Registered on the main app by suara/cli.py (``command()(train)``), so it reports errors like every command. The work is suara/promotion.py's ``retrain`` (the one way to
train, shared with `suara nightly --retrain`); this module parses the options and prints the outcome:
the sources used, validation and test figures, and both models side by side on the held-out texts.

Exit codes: 0 when the model was trained, whether or not the gate made it current (the last line says
which model is current and why); 1 bad input (a --data file missing, a bad weight, a bad labelled file);
2 a configuration or database problem (e.g. a required [train] source missing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from suara.cli_base import ConfigOption, DbOption, UserError, open_store, out, print_eval, settings
from suara.config import MODELS_DIR

SPEC = "FILE[:WEIGHT]"


def train(
    data: Annotated[
        list[str] | None,
        typer.Option(
            "--data",
            metavar=SPEC,
            help="Hand-written labelled JSONL ({text, labels} per line), weight > 0 (default 1); repeat for "
            "more. With --data or --real, these replace the \\[train] sources of suara.toml.",
        ),
    ] = None,
    real: Annotated[
        list[str] | None,
        typer.Option(
            "--real",
            metavar=SPEC,
            help="Labelled real reviews (their out-of-fold scores tune thresholds); read after --data.",
        ),
    ] = None,
    human: Annotated[
        bool | None,
        typer.Option(
            "--human/--no-human", help="Train on the analysts' labels too (default: \\[train] human)."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Make the new model current even if the gate finds it worse.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed (same data + seed = same model).")] = 0,
    models_dir: Annotated[
        Path, typer.Option("--models-dir", help="Where model versions are saved.")
    ] = MODELS_DIR,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Train the classifier, save a new model version; it becomes current only if it is not worse on held-out texts.

    Sources: --data/--real, else \\[train] in suara.toml, else data/labels/train.jsonl, the real labelled reviews in
    ../shared/real when present, and the analysts' labels. The gate (suara/promotion.py) compares the new
    model with the current one; --force overrides it. Exit code 0 also when the gate keeps the current model.
    """
    from dataclasses import replace

    from nlp.dataset import LabelledDataError
    from suara.promotion import retrain
    from suara.taxonomy import load_taxonomy
    from suara.training import TrainingInputError, describe_sources, parse_source, train_config

    s = settings(db, config)
    cfg = train_config(s)
    try:
        files = [parse_source(x, "written", "--data") for x in data or []]
        files += [parse_source(x, "real", "--real") for x in real or []]
    except TrainingInputError as exc:
        raise UserError(str(exc)) from None
    if files:
        cfg = replace(cfg, sources=tuple(files), where="the command line")
    if human is not None:
        cfg = replace(cfg, human=human)
    try:
        with out.status("training..."):
            result = retrain(
                lambda: open_store(s), cfg, seed=seed, force=force, models_dir=models_dir, say=out.print
            )
    except LabelledDataError as exc:
        raise UserError(str(exc)) from None
    tax = load_taxonomy()
    metrics = result.metrics
    out.print(f"sources: {describe_sources(metrics['sources'])}", highlight=False)
    print_eval("Validation (out-of-fold, 5 folds)", metrics["validation"], tax.categories)
    if "test" in metrics:
        print_eval("Test set (data/labels/test.jsonl)", metrics["test"], tax.categories)
    decision = result.decision
    if decision.comparison is not None:
        _print_comparison(decision.comparison, decision.current, decision.new)
    out.print(f"saved model {result.version} to {result.path}", highlight=False)
    if decision.promoted:
        out.print(f"{decision.message}; it is now the current model", highlight=False)
    else:
        out.print(
            f"[bold yellow]{decision.message}[/]\n{decision.current} stays current; "
            f"{decision.new} is saved for inspection (`suara eval --model {decision.new}`), "
            "`suara train --force` makes it current",
            highlight=False,
        )


def _print_comparison(cmp, current: str, new: str) -> None:
    t = Table(title=f"Held-out texts (n={cmp.n}): paired bootstrap, {cmp.resamples} resamples")
    for col in ("macro-F1", "current", "new", "new - current", "95% CI"):
        t.add_column(col, justify="left" if col == "macro-F1" else "right")
    for d in (cmp.headline, cmp.supported):
        if d.defined:
            t.add_row(
                f"{d.name} ({len(d.categories)})",
                f"{d.current:.3f}",
                f"{d.new:.3f}",
                f"{d.diff:+.3f}",
                f"{d.low:+.3f}..{d.high:+.3f}",
            )
    out.print(t)
    out.print(f"current: {current}; new: {new}; the gate decides on the headline six", highlight=False)
