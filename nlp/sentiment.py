"""Sentiment of any text (negatif / netral / positif), learnt from the store reviews' own star ratings.

Tweets and chats have no stars, yet the dashboard follows the mood of every source. Reviews do have
stars, thousands of them: they are the labels (distant supervision). The model reads only the text,
never the rating, so it scores a tweet exactly as it scores a review.

- **Labels from stars.** 1-2 stars are negative, 4-5 positive. Three stars are left out of fitting:
  of the 77 labelled real M-Paspor reviews with 3 stars, 67 carry a complaint, so "3 stars" is no
  neutral class; a 3-class model either calls complaints netral or never says netral at all
  (nlp/README.md, "Sentiment", has the comparison). "netral" is instead the band of the positive probability between ``NEUTRAL_BAND``:
  texts the model cannot place on either side.
- **Features.** The classifier's own featurisation (``nlp.features.TextFeatures`` over
  ``nlp.text.segments``), fitted on the rated texts: a caller that already segmented a batch for the
  complaint model passes the segments (``scores_docs``), so a text is preprocessed once.
- **Class weights.** Five of six rated real reviews are negative; a positive review weighs
  ``POSITIVE_WEIGHT`` times a negative one in fitting. Fully balanced weights left 13% of real
  complaints not "negatif"; unweighted, 27% of real praise was not "positif" (nlp/README.md).
- **Deterministic**: the same (text, rating) pairs give the same arrays (liblinear with a fixed seed).

Saved as ``sentiment.npz`` (arrays only, nothing unpickled) and ``sentiment.json`` (parameters and
metrics) in a model directory beside the complaint model (data/models/<version>/), which it does not
touch. Pure: no database, nothing from suara.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nlp.features import TextFeatures
from nlp.text import Segment, segments

ARRAYS_FILE = "sentiment.npz"
META_FILE = "sentiment.json"
FORMAT = 1
LABELS = ("negatif", "netral", "positif")
# Positive probability in [lo, hi) is "netral". Chosen on held-out real reviews (nlp/README.md).
NEUTRAL_BAND = (0.35, 0.65)
C = 3.0
POSITIVE_WEIGHT = 2.0
MIN_PER_CLASS = 5  # rated texts each side needed to fit anything


class SentimentError(ValueError):
    """A sentiment model that cannot be fitted or loaded; the message names the input and what to do."""


def star_label(rating) -> int | None:
    """Training target of a star rating: 0 negative (1-2), 1 positive (4-5), None (3, or no rating)."""
    try:
        star = int(rating)
    except (TypeError, ValueError):
        return None
    if star in (1, 2):
        return 0
    if star in (4, 5):
        return 1
    return None


@dataclass
class SentimentModel:
    features: TextFeatures
    coef: np.ndarray  # (n_features,)
    intercept: float
    band: tuple[float, float] = NEUTRAL_BAND
    metrics: dict = field(default_factory=dict)
    model_id: str = "unsaved"

    def scores_docs(self, docs: list[list[Segment]]) -> np.ndarray:
        """Probability that each segmented text is positive."""
        if not docs:
            return np.zeros(0)
        x = self.features.transform(docs, sentences=False).whole
        z = np.asarray(x @ self.coef).ravel() + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def scores(self, texts: list[str]) -> np.ndarray:
        return self.scores_docs([segments(t) for t in texts])

    def labels_of(self, scores: np.ndarray) -> list[str]:
        lo, hi = self.band
        return [LABELS[0] if s < lo else LABELS[2] if s >= hi else LABELS[1] for s in np.asarray(scores)]

    def predict(self, texts: list[str]) -> list[str]:
        return self.labels_of(self.scores(texts))


def fit(
    texts: list[str],
    ratings: list,
    *,
    docs: list[list[Segment]] | None = None,
    seed: int = 0,
    band: tuple[float, float] = NEUTRAL_BAND,
    char_max_features: int = 40000,
) -> SentimentModel:
    """Fit on (text, star rating) pairs; 3-star and unrated texts are not fitted on. ``docs``: the
    texts already segmented (``nlp.text.segments``), to skip preprocessing them again."""
    from sklearn.linear_model import LogisticRegression

    if docs is None:
        docs = [segments(t) for t in texts]
    if len(docs) != len(texts) or len(ratings) != len(texts):
        raise SentimentError("texts, ratings and segmented texts must be as many")
    keep = [i for i, r in enumerate(ratings) if star_label(r) is not None]
    y = np.array([star_label(ratings[i]) for i in keep], dtype=np.int64)
    n_neg, n_pos = int((y == 0).sum()), int((y == 1).sum())
    if min(n_neg, n_pos) < MIN_PER_CLASS:
        raise SentimentError(
            f"too few rated texts to learn sentiment ({n_neg} with 1-2 stars, {n_pos} with 4-5; "
            f"at least {MIN_PER_CLASS} of each are needed): import more reviews with a rating"
        )
    kept_docs = [docs[i] for i in keep]
    features = TextFeatures(char_max_features=char_max_features).fit(kept_docs)
    x = features.transform(kept_docs, sentences=False).whole
    clf = LogisticRegression(
        C=C, class_weight={0: 1.0, 1: POSITIVE_WEIGHT}, solver="liblinear", random_state=seed, max_iter=2000
    )
    clf.fit(x, y)
    digest = hashlib.sha256(f"{FORMAT} {C} {POSITIVE_WEIGHT} {band} {char_max_features} {seed}\n".encode())
    for t, r in zip(texts, ratings, strict=True):
        digest.update(f"{r}\t{t}\n".encode())
    return SentimentModel(
        features=features,
        coef=clf.coef_.ravel().astype(np.float32),
        intercept=float(clf.intercept_[0]),
        band=tuple(band),
        metrics={"n_negative": n_neg, "n_positive": n_pos, "n_skipped": len(texts) - len(keep), "seed": seed},
        model_id="sent-" + digest.hexdigest()[:10],
    )


# -- saving and loading ---------------------------------------------------------------------------
def exists(directory: Path) -> bool:
    directory = Path(directory)
    return (directory / ARRAYS_FILE).exists() and (directory / META_FILE).exists()


def carry_over(source: Path | None, target: Path) -> bool:
    """Copy the sentiment model of model directory ``source`` into ``target`` (a retrained complaint
    model keeps the sentiment model it was used with); False when ``source`` has none."""
    if source is None or not exists(source) or Path(source) == Path(target):
        return False
    for name in (ARRAYS_FILE, META_FILE):
        shutil.copyfile(Path(source) / name, Path(target) / name)
    return True


def save(model: SentimentModel, directory: Path, metrics: dict | None = None) -> Path:
    """Write the model into ``directory`` (beside a complaint model, which is left as it is)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / (ARRAYS_FILE + ".partial.npz")
    np.savez_compressed(tmp, coef=model.coef.astype(np.float32), **model.features.to_arrays())
    tmp.replace(directory / ARRAYS_FILE)
    if metrics:
        model.metrics = {**model.metrics, **metrics}
    meta = {
        "model_id": model.model_id,
        "format": FORMAT,
        "intercept": model.intercept,
        "band": list(model.band),
        "labels": list(LABELS),
        "features": model.features.params(),
        "metrics": model.metrics,
    }
    (directory / META_FILE).write_text(
        json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return directory


def load(directory: Path) -> SentimentModel:
    """Load ``sentiment.npz``/``sentiment.json`` from ``directory``; ``SentimentError`` names the file
    when it is missing, damaged or in another layout."""
    directory = Path(directory)
    path, meta_path = directory / ARRAYS_FILE, directory / META_FILE
    redo = "refit it with `suara sentiment train`"
    if not exists(directory):
        raise SentimentError(f"no sentiment model in {directory}: {redo}")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise SentimentError(f"{meta_path} is in another format ({meta.get('format')}); {redo}")
        with np.load(path, allow_pickle=False) as arrays:
            model = SentimentModel(
                features=TextFeatures.from_arrays(meta["features"], arrays),
                coef=np.asarray(arrays["coef"], dtype=np.float32),
                intercept=float(meta["intercept"]),
                band=tuple(meta["band"]),
                metrics=meta.get("metrics", {}),
                model_id=str(meta["model_id"]),
            )
    except SentimentError:
        raise
    except Exception as exc:  # truncated zip, bad JSON, a missing array or field
        why = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise SentimentError(f"{directory} holds a damaged sentiment model ({why}); {redo}") from exc
    if model.coef.shape != (model.features.n_features,):
        raise SentimentError(f"{path} does not match {META_FILE}; {redo}")
    return model
