"""The fitted complaint classifier: two linear first stages, a second stage that sees them all, thresholds.

Scoring a batch of texts (``ComplaintModel.scores``):

1. Each text is preprocessed once into its sentences (``nlp.text.segments``) and turned into feature
   rows for the whole text and for each sentence (``nlp.features``).
2. First stage, per category: a logistic regression and an NB-weighted logistic regression (the
   features scaled by their log-count ratio for the category, Wang & Manning's NBSVM idea, which
   ranks rare, keyword-like categories better). Both are one matrix product for all categories. A
   text of two or more sentences moves each score ``sentence_weight`` of the way up to its best
   sentence's, so a complaint buried in a long rant is not diluted by the rest.
3. Second stage, for every category with enough real labelled reviews: a small logistic regression over
   all first-stage scores of the text plus its star rating (one-hot; "unknown" for tweets or texts
   without one). It learns what the labelling rules say and a bag of words cannot: a step-specific
   failure ("kode OTP error") is not also app_error, and a 1-star rant that uses the word "mudah" is
   not praise. Other categories keep the first-stage logistic score.
4. One threshold per category turns scores into labels.

Everything is plain arrays: a model is saved as ``model.npz`` (no pickle; loading runs no code from the
file) beside ``metrics.json`` under data/models/<version>/. Fitting lives in nlp/train.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nlp.features import Rows, TextFeatures
from nlp.text import Segmented, default_stemmer

MODEL_FILE = "model.npz"
META_FILE = "metrics.json"
FORMAT = 2  # the layout of model.npz; a model saved in another layout must be retrained
# How far a text's score moves toward its best sentence's score (0: whole text only, 1: the best
# sentence). Chosen on the real-review development set (headline macro-F1 0.830 / 0.844 / 0.856 / 0.862
# / 0.854 for 0 / 0.3 / 0.5 / 0.7 / 1.0 with the hand-written training set).
SENTENCE_WEIGHT = 0.7
RATING_SLOTS = 6  # 1..5 stars, and "no rating"
_TEXT_MEMO_MAX = 300_000  # texts whose first-stage row a model remembers (a row is 2k float32)
_MEMO_TEXT_CHARS = 200  # longer texts are not remembered: they hardly ever come twice (bench/README.md)


def rating_features(ratings, n: int) -> np.ndarray:
    """One-hot star ratings (n, 6); None, NaN or anything outside 1..5 is "no rating"."""
    out = np.zeros((n, RATING_SLOTS), dtype=np.float32)
    if ratings is None:
        out[:, 5] = 1
        return out
    for i, r in enumerate(ratings):
        try:
            star = int(r)
        except (TypeError, ValueError):
            star = 0
        out[i, star - 1 if 1 <= star <= 5 else 5] = 1
    return out


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def sentence_scores(
    rows: Rows, coef: np.ndarray, intercept: np.ndarray, sentence_weight: float
) -> np.ndarray:
    """Linear-model probabilities of the whole texts, each moved ``sentence_weight`` of the way up to its
    best sentence's (a text without sentence rows keeps its own): scoring and training's folds both."""
    whole = sigmoid(rows.whole @ coef + intercept)
    if rows.sentences.shape[0] == 0:
        return whole
    best = whole.copy()
    np.maximum.at(best, rows.owner, sigmoid(rows.sentences @ coef + intercept))
    return whole + sentence_weight * (best - whole)


@dataclass
class ComplaintModel:
    """Fitted features, both stages and one decision threshold per category."""

    features: TextFeatures
    categories: list[str]
    coef: np.ndarray  # (n_features, 2k): k logistic regressions, then k NB-weighted ones
    intercept: np.ndarray  # (2k,)
    stack_coef: np.ndarray  # (2k + RATING_SLOTS, k); the columns of unstacked categories are unused
    stack_intercept: np.ndarray  # (k,)
    stacked: np.ndarray  # (k,) bool: the category's score comes from the second stage
    thresholds: np.ndarray  # (k,)
    version: str = "unsaved"
    sentence_weight: float = SENTENCE_WEIGHT
    params: dict = field(default_factory=dict)
    stems: dict[str, str] = field(default_factory=dict)  # the training words' stems, to start scoring warm
    # not an init field: a copy made by dataclasses.replace (other weights, thresholds) starts empty
    _text_memo: dict[str, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- scoring ----------------------------------------------------------------------------------
    def first_stage(self, docs: list) -> np.ndarray:
        """First-stage probabilities (n, 2k) of segmented texts, moved toward their best sentence."""
        rows = self.features.transform(docs, sentences=bool(self.sentence_weight))
        return sentence_scores(rows, self.coef, self.intercept, self.sentence_weight)

    def second_stage(self, first: np.ndarray, ratings=None) -> np.ndarray:
        """Final scores (n, k) from first-stage probabilities and star ratings."""
        k = len(self.categories)
        z = np.hstack([first, rating_features(ratings, len(first))])
        stacked = sigmoid(z @ self.stack_coef + self.stack_intercept)
        return np.where(self.stacked, stacked, first[:, :k])

    def scores(self, texts: list[str], ratings=None, segmented: Segmented | None = None) -> np.ndarray:
        """Score per text and category, shape (n, len(categories)). ``ratings``: the star rating of each
        text (1-5), or None where it has none (tweets, chats); without the list, none has one.
        ``segmented``: a batch's ``Segmented`` shared with another model, so a text is segmented once."""
        if not texts:
            return np.zeros((0, len(self.categories)))
        return self.second_stage(self.first_stage_of_texts(texts, segmented), ratings)

    def first_stage_of_texts(self, texts: list[str], segmented: Segmented | None = None) -> np.ndarray:
        """``first_stage`` of raw texts, each distinct text preprocessed and scored once.

        A text's first-stage row depends on that text alone (its rows of the sparse products, its own
        sentences), so a text seen before, in this batch or an earlier one, reuses its row: reviews
        repeat ("mantap", "error terus", pasted complaints). The memo is bounded (``_TEXT_MEMO_MAX``) and
        keeps short texts only (``_MEMO_TEXT_CHARS``), the ones that repeat.
        """
        memo = self._text_memo
        index: dict[str, int] = {}
        todo: list[str] = []
        for t in texts:
            if t not in index:
                index[t] = len(index)
                if t not in memo:
                    todo.append(t)
        if not todo:
            return np.stack([memo[t] for t in index])[[index[t] for t in texts]]
        segmented = Segmented() if segmented is None else segmented
        fresh = self.first_stage([segmented[t] for t in todo])
        if len(todo) == len(texts):  # all new and distinct: nothing to gather
            distinct = fresh
        else:
            new = dict(zip(todo, fresh, strict=True))
            distinct = np.stack([new[t] if t in new else memo[t] for t in index])
        if len(memo) + len(todo) > _TEXT_MEMO_MAX:
            memo.clear()
        kept = fresh.copy()  # rows of a copy: the caller may change its own
        memo.update((t, row) for t, row in zip(todo, kept, strict=True) if len(t) <= _MEMO_TEXT_CHARS)
        if distinct is fresh:
            return fresh
        return distinct[[index[t] for t in texts]]

    def decide(self, scores: np.ndarray) -> np.ndarray:
        return scores >= self.thresholds

    def predict(self, texts: list[str], ratings=None) -> list[list[str]]:
        return [
            [c for c, on in zip(self.categories, row, strict=True) if on]
            for row in self.decide(self.scores(texts, ratings))
        ]

    def confidence(self, scores: np.ndarray) -> np.ndarray:
        """Distance of the closest score to its threshold: small means the model was unsure."""
        return np.abs(scores - self.thresholds).min(axis=1) if len(scores) else np.zeros(0)


# -- saving and loading ---------------------------------------------------------------------------
def save(model: ComplaintModel, directory: Path, metrics: dict) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / (MODEL_FILE + ".partial.npz")
    np.savez_compressed(
        tmp,
        coef=model.coef.astype(np.float32),
        intercept=model.intercept.astype(np.float32),
        stack_coef=model.stack_coef.astype(np.float32),
        stack_intercept=model.stack_intercept.astype(np.float32),
        stem_words=np.array(sorted(model.stems), dtype=str),
        stem_values=np.array([model.stems[w] for w in sorted(model.stems)], dtype=str),
        **model.features.to_arrays(),
    )
    tmp.replace(directory / MODEL_FILE)
    meta = {
        "version": model.version,
        "format": FORMAT,
        "categories": model.categories,
        "thresholds": [float(t) for t in model.thresholds],
        "stacked": [bool(s) for s in model.stacked],
        "sentence_weight": model.sentence_weight,
        "features": model.features.params(),
        "params": model.params,
        "metrics": metrics,
    }
    (directory / META_FILE).write_text(
        json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return directory


class ModelLoadError(ValueError):
    """A saved model that cannot be used: missing, cut short, scribbled over or from another layout.
    The message names the file and what to do."""


_REDO = "retrain with `suara train`, or restore the model's directory from a backup"


def _read_meta(meta_path: Path) -> dict:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{meta_path} cannot be read ({_why(exc)}); {_REDO}") from exc
    if not isinstance(meta, dict):
        raise ModelLoadError(f"{meta_path} is not a model description (a JSON object); {_REDO}")
    found = meta.get("format")
    if isinstance(found, int) and not isinstance(found, bool) and found > FORMAT:
        raise ModelLoadError(f"{meta_path.parent} holds a model in a newer format ({found}): upgrade Suara")
    if found != FORMAT:
        raise ModelLoadError(
            f"{meta_path.parent} holds a model in an older format; retrain it with `suara train`"
        )
    return meta


def _why(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def load(directory: Path) -> ComplaintModel:
    """Load a saved model (arrays only, nothing is unpickled). Raises ``ModelLoadError`` naming the file
    when it is missing, truncated, scribbled over or in an older layout; loading reads every array, so
    a model that loads is whole."""
    directory = Path(directory)
    path = directory / MODEL_FILE
    meta_path = directory / META_FILE
    if not path.exists() or not meta_path.exists():
        missing = path if not path.exists() else meta_path
        raise ModelLoadError(f"no model at {directory} ({missing.name} is missing): run `suara train` first")
    meta = _read_meta(meta_path)
    try:
        with np.load(path, allow_pickle=False) as arrays:
            stems = dict(zip(arrays["stem_words"].tolist(), arrays["stem_values"].tolist(), strict=True))
            model = ComplaintModel(
                features=TextFeatures.from_arrays(meta["features"], arrays),
                categories=meta["categories"],
                coef=arrays["coef"],
                intercept=arrays["intercept"],
                stack_coef=arrays["stack_coef"],
                stack_intercept=arrays["stack_intercept"],
                stacked=np.array(meta["stacked"], dtype=bool),
                thresholds=np.array(meta["thresholds"]),
                version=meta["version"],
                sentence_weight=meta["sentence_weight"],
                params=meta.get("params", {}),
                stems=stems,
            )
    except ModelLoadError:
        raise
    except (KeyError, TypeError) as exc:  # an array or a field the layout needs is absent
        raise ModelLoadError(f"{path} or {META_FILE} lacks {_why(exc)}; {_REDO}") from exc
    except Exception as exc:  # zip, zlib, numpy header, EOF: a file cut short or scribbled over
        raise ModelLoadError(f"{path} is damaged ({_why(exc)}); {_REDO}") from exc
    k = len(model.categories)
    if model.coef.shape[1:] != (2 * k,) or model.thresholds.shape != (k,) or model.stacked.shape != (k,):
        raise ModelLoadError(f"{path} does not match {META_FILE} ({k} categories); {_REDO}")
    default_stemmer().remember(stems)
    return model
