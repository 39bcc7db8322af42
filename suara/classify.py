"""Wiring between the store and the classifier: find the model in use, classify new feedback, evaluate.

nlp/ stays a pure batch function over texts; this module feeds it batches from the store and writes
the labels back in bulk, one transaction per batch, so a killed run loses at most one batch and the
next run picks up exactly the rows that are still unclassified. A label outside the item's app's
taxonomy scope (``apps`` in data/taxonomy.toml: no immigration office for a health-insurance app) is
dropped before it is written: the model was trained on M-Paspor and would otherwise say so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import numpy as np

from nlp import model as nlp_model
from nlp.dataset import load_labelled
from nlp.evaluate import evaluate
from nlp.offices import OfficeMatcher
from nlp.sentiment import SentimentModel
from suara.config import DATA_DIR, MODELS_DIR, MPASPOR, ROOT, AppConfig
from suara.store import Store, StoreError, first_row
from suara.taxonomy import app_identifiers, load_taxonomy

TEST_FILE = DATA_DIR / "labels" / "test.jsonl"
# Real labelled reviews, beside a checkout only (../shared/real): the dev set is for evaluation (and the
# promotion gate), never for training; suara/training.py names the training file beside it.
REAL_DEV_FILE = ROOT.parent / "shared" / "real" / "mpaspor_play_dev_labelled.jsonl"


class NoModel(StoreError):
    """No trained model exists yet."""


class ModelUnusable(NoModel):
    """The model to use is on disk but cannot be loaded (cut short, scribbled over, an old layout); the
    message names the file and what to do. A setup problem, like no model at all (exit code 2)."""


def load_model(path: Path) -> nlp_model.ComplaintModel:
    """``nlp.model.load`` for the commands and the nightly: a broken model becomes ``ModelUnusable``."""
    try:
        return nlp_model.load(path)
    except nlp_model.ModelLoadError as exc:
        raise ModelUnusable(str(exc)) from None


def model_dirs(models_dir: Path = MODELS_DIR) -> list[Path]:
    """Saved model versions on disk, oldest first (by the time recorded in metrics.json), without those
    the promotion gate refused (suara/promotion.py): they are kept for inspection, not for use."""
    found = []
    for meta in models_dir.glob(f"*/{nlp_model.META_FILE}"):
        if (meta.parent / nlp_model.MODEL_FILE).exists():
            try:
                metrics = json.loads(meta.read_text(encoding="utf-8")).get("metrics", {})
                trained_at = str(metrics.get("trained_at", ""))
                promoted = metrics.get("promotion", {}).get("promoted", True)
            except (OSError, ValueError, AttributeError):
                # An unreadable metrics.json cannot say when it was trained: listed first (oldest), so
                # a readable model is preferred and, when it is the only one, loading it names the file.
                trained_at, promoted = "", True
            if promoted:
                found.append((trained_at, meta.parent))
    return [p for _, p in sorted(found)]


def resolve_model_dir(store: Store | None, version: str | None = None, models_dir: Path = MODELS_DIR) -> Path:
    """The model to use: an explicit version, else the store's current one, else the newest on disk."""
    if version:
        path = models_dir / version
        if not (path / nlp_model.MODEL_FILE).exists():
            known = ", ".join(p.name for p in model_dirs(models_dir)) or "none"
            raise NoModel(f"model version {version} not found in {models_dir} (available: {known})")
        return path
    if store is not None:
        current = store.current_model()
        if current:
            path = Path(current["path"])
            if not path.exists():
                path = models_dir / current["version"]
            if (path / nlp_model.MODEL_FILE).exists():
                return path
    dirs = model_dirs(models_dir)
    if not dirs:
        raise NoModel(f"no trained model in {models_dir}: run `suara train` first")
    return dirs[-1]


def ensure_registered(store: Store, path: Path) -> str:
    """Make the model at ``path`` the store's current one (e.g. the model shipped with the repo)."""
    meta = json.loads((path / nlp_model.META_FILE).read_text(encoding="utf-8"))
    current = store.current_model()
    if not current or current["version"] != meta["version"]:
        metrics = meta.get("metrics", {})
        store.register_model(meta["version"], str(path), metrics, metrics.get("n_train", 0))
    return meta["version"]


def evaluate_file(path: Path, predict: Callable[[list[str], list], list[list[str]]]) -> dict:
    """``nlp.evaluate.evaluate`` of ``predict(texts, ratings)`` (a model's or the keyword baseline's) on a
    labelled JSONL file."""
    tax = load_taxonomy()
    data = load_labelled(path, tax.ids)
    return evaluate(data.labels, predict(data.texts, data.ratings), tax.ids, tax.headline_ids)


def classify_pending(
    store: Store,
    model: nlp_model.ComplaintModel,
    batch_size: int = 5000,
    offices: OfficeMatcher | None = None,
    progress: Callable[[int], None] | None = None,
    apps: tuple[AppConfig, ...] = (),
    sentiment: SentimentModel | None = None,
    workers: int = 1,
    catch_up: bool = True,
) -> int:
    """Label every row the current model has not seen (or whose content changed); returns how many.

    ``apps``: the configured apps, whose Play package or App Store id a taxonomy scope may name. With a
    ``sentiment`` model, each batch's sentiment is scored and saved beside its labels (suara/sentiment.py's
    ``TextSentiment``); then rows still without a current sentiment are caught up on. ``workers`` > 1
    scores the batches in that many forked processes while this one reads and writes the store
    (suara/batch_scoring.py; the same rows are written either way). ``catch_up=False`` skips the
    sentiment catch-up (a scan of every row) when ``pending_work`` said no row needs it."""
    from suara.batch_scoring import BatchScorer, scored_batches
    from suara.sentiment import save_sentiment, score_pending

    scorer = BatchScorer(
        model, _scope_mask(model.categories, apps), offices or OfficeMatcher.load(), sentiment
    )
    done = 0
    # closed on the way out, an error included: its cursor's unfinished result would block the connection
    with closing(store.pending_classification(model.version, batch_size)) as batches:
        for scored in scored_batches(scorer, batches, workers):
            store.save_model_labels(scored.classified, scored.labels, scored.offices)
            if scored.sentiment is not None:
                save_sentiment(store, scored.sentiment)
            done += scored.rows
            if progress:
                progress(scored.rows)
    if sentiment is not None and catch_up:
        score_pending(store, sentiment, batch_size, scorer=scorer.text_sentiment)
    return done


def pending_work(
    store: Store, model: nlp_model.ComplaintModel, sentiment: SentimentModel | None = None
) -> tuple[int, int]:
    """(rows to classify, rows that need only a sentiment), in one scan of the feedback.

    ``classify_pending`` gives every row it classifies a current sentiment, so when the second figure is
    0 its catch-up scan can be skipped (``catch_up=False``): at 1M rows each of these scans costs about
    0.3 s, against 0.1 s to classify a nightly's thousand new reviews (issue 18)."""
    sentiment_sql = (
        "count(*) FILTER (WHERE NOT classify AND (s.feedback_id IS NULL OR s.model_id <> $m "
        "OR s.content_hash <> f.content_hash))"
        if sentiment is not None
        else "0"
    )
    join = "LEFT JOIN feedback_sentiment s ON s.feedback_id = f.id" if sentiment is not None else ""
    params = {"v": model.version, **({"m": sentiment.model_id} if sentiment is not None else {})}
    row = first_row(
        store.con,
        f"""
        SELECT count(*) FILTER (WHERE classify), {sentiment_sql}
        FROM (SELECT f.id, f.content_hash,
                     c.feedback_id IS NULL OR c.model_version <> $v OR c.content_hash <> f.content_hash AS classify
              FROM feedback f LEFT JOIN classifications c ON c.feedback_id = f.id) f {join}
        """,
        params,
    )
    return int(row[0]), int(row[1])


def _scope_mask(categories: list[str], apps: tuple[AppConfig, ...]) -> Callable[[list[str]], np.ndarray]:
    """app ids of a batch -> a (rows x categories) mask of the labels in each app's taxonomy scope
    (a category the taxonomy does not know is kept: the model's own business). No ``apps``: the default
    configuration's (M-Paspor), so a caller without a suara.toml never loses M-Paspor's scoped categories."""
    apps = apps or (MPASPOR,)
    tax = load_taxonomy()
    known = set(tax.ids)
    rows: dict[str, np.ndarray] = {}

    def row(app_id: str) -> np.ndarray:
        if app_id not in rows:
            allowed = set(tax.ids_for(app_identifiers(app_id, apps)))
            rows[app_id] = np.array([c in allowed or c not in known for c in categories], dtype=bool)
        return rows[app_id]

    return lambda app_ids: np.array([row(a) for a in app_ids], dtype=bool).reshape(
        len(app_ids), len(categories)
    )
