"""`suara sentiment train`: fit the sentiment model (nlp/sentiment.py) on reviews' star ratings.

Registered on the main app by suara/cli.py (``app.add_typer(sentiment)``). The model is saved beside
the complaint model in its directory (the current one unless ``--model``), whose own files are not
touched; the next `suara classify` scores every text with it. Sources: the database's rated reviews,
or ``--data`` JSONL files of ``{"text", "rating"}`` lines (e.g. a google-play-scraper dump turned
into JSONL); ``--exclude`` names labelled files whose ids and texts must not be fitted on, so they can
check the model afterwards.

Exit codes: 0 fitted; 1 bad input (a file missing or with a bad line, too few rated texts);
2 a configuration or database problem (no model to save beside).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from suara.cli_base import ConfigOption, DbOption, UserError, command_for, open_store, out, settings
from suara.config import MODELS_DIR

sentiment = typer.Typer(
    help="Sentiment (negatif / netral / positif) learnt from star ratings.", no_args_is_help=True
)
command = command_for(sentiment)


def _key(text: str) -> str:
    return " ".join(str(text).lower().split())


def read_rated(paths: list[Path], exclude: list[Path]) -> tuple[list[str], list[int], int]:
    """Texts and ratings of ``paths`` less any id or text of ``exclude``; and how many were excluded."""
    from nlp.jsonl import read_jsonl

    def lines(path: Path):
        if not path.exists():
            raise UserError(f"{path} does not exist: name a JSONL file of {{text, rating}} lines")
        for lineno, obj in read_jsonl(path):
            if isinstance(obj, str):
                raise UserError(f"{path}:{lineno}: {obj}")
            yield lineno, obj

    ids, keys = set(), set()
    for path in exclude:
        for _, obj in lines(path):
            ids.add(str(obj.get("id")))
            keys.add(_key(obj.get("text", "")))
    texts, ratings, dropped = [], [], 0
    for path in paths:
        for lineno, obj in lines(path):
            text, rating = obj.get("text"), obj.get("rating")
            if not isinstance(text, str) or not text.strip():
                raise UserError(f'{path}:{lineno}: no text; every line needs a non-blank "text"')
            if rating is None:
                continue  # an unrated line teaches nothing
            if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
                raise UserError(f"{path}:{lineno}: rating {rating!r} is not a whole number 1-5")
            if str(obj.get("id")) in ids or _key(text) in keys:
                dropped += 1
                continue
            texts.append(text)
            ratings.append(rating)
    return texts, ratings, dropped


@command("train")
def train(
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data", help="JSONL of {text, rating} lines to fit on instead of the database; repeat for more."
        ),
    ] = None,
    exclude: Annotated[
        list[Path] | None,
        typer.Option(
            "--exclude", help="JSONL whose ids and texts are left out (to check the model on them)."
        ),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Model version to save beside (default: the current one).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same data + seed = same model).")] = 0,
    models_dir: Annotated[Path, typer.Option("--models-dir", help="Where model versions are.")] = MODELS_DIR,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Fit the sentiment model on star ratings (1-2 negative, 4-5 positive; the text alone is read).

    Saved beside the complaint model (the current one unless --model); `suara classify` then gives
    every text, tweets included, a sentiment.
    """
    from nlp import sentiment as nlp_sentiment
    from suara.model_files import resolve_model_dir
    from suara.sentiment import MIN_RATED, fit_from_store

    s = settings(db, config)
    with open_store(s) as store:
        path = resolve_model_dir(store, model, models_dir)
        try:
            if data:
                texts, ratings, dropped = read_rated(list(data), list(exclude or []))
                if len(texts) < MIN_RATED:
                    raise UserError(
                        f"only {len(texts)} rated texts in --data after --exclude, at least {MIN_RATED} are needed"
                    )
                with out.status("fitting sentiment..."):
                    fitted = nlp_sentiment.fit(texts, ratings, seed=seed)
                    nlp_sentiment.save(
                        fitted,
                        path,
                        {"trained_on": [p.name for p in data], "excluded": dropped, "seed": seed},
                    )
            else:
                with out.status("fitting sentiment..."):
                    fitted = fit_from_store(store, path, seed=seed)
        except nlp_sentiment.SentimentError as exc:
            raise UserError(str(exc)) from None
    m = fitted.metrics
    out.print(
        f"sentiment model {fitted.model_id} saved to {path}: fitted on {m['n_negative']} negative (1-2 stars) "
        f"and {m['n_positive']} positive (4-5 stars) texts, {m['n_skipped']} 3-star left out; "
        "`suara classify` scores every text with it",
        highlight=False,
    )
