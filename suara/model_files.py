"""Which model: the trained versions on disk, the one the store has in use, and loading it.

Every command and the nightly find their model here: an explicit version, else the store's current one,
else the newest on disk that the promotion gate did not refuse (suara/promotion.py). A model that is
missing is ``NoModel`` and one that cannot be read is ``ModelUnusable``, both setup problems with a
message that names the file and what to do (exit code 2), never a traceback. Kept apart from
suara/classify.py (which writes labels) so that what only needs a model (the sentiment scorer, topics,
the doctor) does not import the classifier's store side.
"""

from __future__ import annotations

import json
from pathlib import Path

from nlp import model as nlp_model
from suara.config import MODELS_DIR
from suara.store import Store, StoreError


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


def model_dirs(models_dir: Path | None = None) -> list[Path]:
    """Saved model versions on disk (``models_dir``, default ``MODELS_DIR``), oldest first (by the time
    recorded in metrics.json), without those the promotion gate refused (suara/promotion.py): they are
    kept for inspection, not for use."""
    models_dir = models_dir or MODELS_DIR
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


def resolve_model_dir(
    store: Store | None, version: str | None = None, models_dir: Path | None = None
) -> Path:
    """The model to use: an explicit version, else the store's current one, else the newest on disk
    (``models_dir``, default ``MODELS_DIR``, read when called)."""
    models_dir = models_dir or MODELS_DIR
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
    """Make the model at ``path`` the store's current one (e.g. the model shipped with the repo), with the
    metrics its metrics.json holds now (a figure added to a model's file later reaches the dashboard)."""
    meta = json.loads((path / nlp_model.META_FILE).read_text(encoding="utf-8"))
    current = store.current_model()
    metrics = meta.get("metrics", {})
    if not current or current["version"] != meta["version"] or current["metrics"] != metrics:
        store.register_model(meta["version"], str(path), metrics, metrics.get("n_train", 0))
    return meta["version"]
