"""The complaint classifier: TF-IDF features, one-vs-rest logistic regression, per-category thresholds.

Features are word 1-2-grams over normalized, stemmed content words plus character 3-5-grams of the
normalized text (robust to typos such as "eror"/"erorr" and to words glued together). Thresholds are
tuned per category on out-of-fold predictions (5-fold cross-validation: each fold is a validation
split, scored as written and joined in pairs, see ``train``), then the model is refit on all the data.
Seeded: the same data gives the same model.

A long review is scored as a whole and sentence by sentence (``review_scores``): a complaint stated in one
sentence of a rant keeps most of the score it has on its own instead of being diluted by the rest.

A model is saved with skops (no pickle: loading does not execute arbitrary code) under
data/models/<version>/ with metrics.json; <version> is the date plus a hash of data and parameters.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize

from nlp.text import preprocess, sentences

MODEL_FILE = "model.skops"
META_FILE = "metrics.json"
THRESHOLD_GRID = np.round(np.arange(0.10, 0.91, 0.025), 3)
# How far a text's score moves toward its best sentence's score (0: whole text only, 1: the best sentence).
# 0.7 was chosen on the real-review development set: with the 6,263-text training set, 0.0 / 0.3 / 0.5 /
# 0.7 / 1.0 gave headline macro-F1 0.830 / 0.844 / 0.856 / 0.862 / 0.854.
SENTENCE_WEIGHT = 0.7


class TextFeatures(BaseEstimator, TransformerMixin):
    """Preprocess each text once, then stack word and character TF-IDF features."""

    def __init__(self, word_ngrams=(1, 2), char_ngrams=(3, 5), char_max_features=60000, word_weight=0.2):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.char_max_features = char_max_features
        self.word_weight = word_weight

    def _split(self, texts) -> tuple[list[str], list[str]]:
        pre = [preprocess(t) for t in texts]
        return [p[0] for p in pre], [p[1] for p in pre]

    def fit(self, X, y=None):
        norm, words = self._split(X)
        # Word n-grams as unnormalized presence flags: a complaint phrase weighs the same in a
        # one-liner and in a long rant (L2-normalized TF-IDF dilutes it in long real reviews).
        self.word_ = TfidfVectorizer(
            ngram_range=tuple(self.word_ngrams),
            token_pattern=r"\S+",
            lowercase=False,
            binary=True,
            use_idf=False,
            norm=None,
            dtype=np.float32,
        ).fit(words)
        self.char_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=tuple(self.char_ngrams),
            sublinear_tf=True,
            lowercase=False,
            min_df=2,
            max_features=self.char_max_features,
            dtype=np.float32,
        ).fit(norm)
        return self

    def transform(self, X):
        norm, words = self._split(X)
        # The word flags are scaled down so that they refine, not drown, the character n-grams, which
        # carry most of the signal on real reviews (typos, glued words, unseen inflections).
        words_matrix = self.word_.transform(words) * self.word_weight
        return sp.hstack([words_matrix, char_tfidf(self.char_, norm)], format="csr")


# Per fitted character vectorizer: word -> vocabulary indices of its n-grams (dropped with the vectorizer).
_WORD_NGRAMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_WORD_NGRAMS_MAX = 500_000


def char_tfidf(vec: TfidfVectorizer, docs: list[str]) -> sp.csr_matrix:
    """``vec.transform(docs)``, the same matrix, with a memo per word.

    A "char_wb" n-gram never crosses a space, so a text's n-grams are those of its words, and reviews
    reuse a small vocabulary: scikit-learn's per-character Python loop was two thirds of `suara classify`
    (see bench/README.md); looking each word up once makes the character features about 4x faster.
    """
    if vec.analyzer != "char_wb":
        return vec.transform(docs)
    memo = _WORD_NGRAMS.setdefault(vec, {})
    if len(memo) > _WORD_NGRAMS_MAX:  # endless typos must not grow it without bound
        memo.clear()
    vocabulary, analyze = vec.vocabulary_, vec.build_analyzer()
    indptr, indices = [0], []
    for doc in docs:
        for word in doc.split():
            ids = memo.get(word)
            if ids is None:
                ids = memo[word] = [vocabulary[g] for g in analyze(word) if g in vocabulary]
            indices.extend(ids)
        indptr.append(len(indices))
    counts = sp.csr_matrix(
        (np.ones(len(indices), dtype=vec.dtype), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
        shape=(len(docs), len(vocabulary)),
    )
    counts.sum_duplicates()  # the counts, in canonical (sorted) order, as CountVectorizer makes them
    if vec.binary:
        counts.data.fill(1)
    if vec.sublinear_tf:
        np.log(counts.data, counts.data)
        counts.data += 1
    if vec.use_idf:
        counts.data *= vec.idf_[counts.indices].astype(vec.dtype, copy=False)
    return normalize(counts, norm=vec.norm, copy=False) if vec.norm else counts


class MultiLabelLogit(BaseEstimator):
    """One logistic regression per category, fitted with per-text sample weights.

    OneVsRestClassifier passes no sample weights without scikit-learn's metadata routing; this is the same
    model with ``fit(X, Y, sample_weight=...)``. A category with one class only scores that class.
    """

    def __init__(self, C: float = 2.0, seed: int = 0):
        self.C = C
        self.seed = seed

    def fit(self, X, Y, sample_weight=None):
        Y = np.asarray(Y)
        self.estimators_ = []
        for j in range(Y.shape[1]):
            y = Y[:, j]
            if y.min() == y.max():
                self.estimators_.append(float(y[0]))
                continue
            clf = LogisticRegression(
                C=self.C, class_weight="balanced", solver="liblinear", random_state=self.seed, max_iter=2000
            )
            self.estimators_.append(clf.fit(X, y, sample_weight=sample_weight))
        return self

    def predict_proba(self, X) -> np.ndarray:
        out = np.empty((X.shape[0], len(self.estimators_)))
        for j, est in enumerate(self.estimators_):
            out[:, j] = est if isinstance(est, float) else est.predict_proba(X)[:, 1]
        return out


def build_pipeline(C: float = 2.0, seed: int = 0) -> Pipeline:
    return Pipeline([("features", TextFeatures()), ("clf", MultiLabelLogit(C=C, seed=seed))])


@dataclass
class ComplaintModel:
    """A fitted pipeline plus the category order and one decision threshold per category."""

    pipeline: Pipeline
    categories: list[str]
    thresholds: np.ndarray
    version: str = "unsaved"
    sentence_weight: float = SENTENCE_WEIGHT

    def scores(self, texts: list[str]) -> np.ndarray:
        """Score per text and category, shape (n, len(categories)); see ``review_scores``."""
        if not texts:
            return np.zeros((0, len(self.categories)))
        return review_scores(self.pipeline, texts, self.sentence_weight)

    def decide(self, scores: np.ndarray) -> np.ndarray:
        return scores >= self.thresholds

    def predict(self, texts: list[str]) -> list[list[str]]:
        return [
            [c for c, on in zip(self.categories, row, strict=True) if on]
            for row in self.decide(self.scores(texts))
        ]

    def confidence(self, scores: np.ndarray) -> np.ndarray:
        """Distance of the closest score to its threshold: small means the model was unsure."""
        return np.abs(scores - self.thresholds).min(axis=1) if len(scores) else np.zeros(0)


def review_scores(
    pipeline: Pipeline, texts: list[str], sentence_weight: float = SENTENCE_WEIGHT
) -> np.ndarray:
    """Probabilities of the whole texts, each moved ``sentence_weight`` of the way up to its best sentence.

    Real reviews often bury a complaint in a long rant that raises several problems; scored as a whole,
    every category comes out lower than on a short text. Only a text of two or more sentences gets a
    sentence score, and only upward: a short text's score is its probability.
    """
    texts = list(texts)
    parts, owner = [], []
    if sentence_weight:
        for i, text in enumerate(texts):
            found = sentences(text)
            if len(found) > 1:
                parts += found
                owner += [i] * len(found)
    probs = pipeline.predict_proba(texts + parts)  # one pass: preprocessing and features are shared
    whole = probs[: len(texts)]
    if not parts:
        return whole
    best = whole.copy()
    np.maximum.at(best, np.asarray(owner), probs[len(texts) :])
    return whole + sentence_weight * (best - whole)


def _binarize(labels: list[list[str]], categories: list[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(categories)}
    Y = np.zeros((len(labels), len(categories)), dtype=int)
    for row, labs in enumerate(labels):
        for lab in labs:
            Y[row, index[lab]] = 1
    return Y


def tune_thresholds(Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Per category, the threshold on the grid that maximizes F1 (ties: the middle of the best run)."""
    out = np.empty(Y.shape[1])
    for j in range(Y.shape[1]):
        y = Y[:, j].astype(bool)
        f1s = []
        for t in THRESHOLD_GRID:
            pred = P[:, j] >= t
            tp = np.sum(pred & y)
            denom = pred.sum() + y.sum()
            f1s.append(2 * tp / denom if denom else 0.0)
        f1s = np.array(f1s)
        best = np.flatnonzero(f1s >= f1s.max() - 1e-9)
        out[j] = THRESHOLD_GRID[best[len(best) // 2]] if y.any() else 0.5
    return out


PAIRS_PER_TEXT = 3  # more pairs, steadier thresholds: with one, the real-review F1 moved 0.86-0.88 by seed


def _paired(indices: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random pairs of the given rows: each pair stands for one longer review raising both texts' problems."""
    return rng.choice(indices, size=(PAIRS_PER_TEXT * len(indices), 2))


def train(
    texts: list[str],
    labels: list[list[str]],
    categories: list[str],
    seed: int = 0,
    folds: int = 5,
    C: float = 2.0,
    weights: np.ndarray | None = None,
    real: np.ndarray | None = None,
) -> tuple[ComplaintModel, np.ndarray]:
    """Fit with thresholds tuned on out-of-fold predictions; returns the model and those predictions.

    Real reviews often bury a complaint in a long rant that raises several problems, where every score
    comes out lower than on a short hand-written text. So each validation fold is scored twice: its
    texts as written, and three times as many texts made by joining two of them (labels united).
    Thresholds are tuned on both; the returned out-of-fold decisions cover the texts as written.

    ``weights`` weigh each text in fitting (default 1); ``real`` marks the texts that are real reviews
    (not written for training): their out-of-fold scores set the thresholds of well-supported categories.
    """
    w = None if weights is None else np.asarray(weights, dtype=float)
    Y = _binarize(labels, categories)
    P = np.zeros(Y.shape, dtype=float)
    pair_scores, pair_labels = [], []
    rng = np.random.default_rng(seed)
    for train_idx, val_idx in KFold(folds, shuffle=True, random_state=seed).split(texts):
        pipe = build_pipeline(C=C, seed=seed).fit(
            [texts[i] for i in train_idx], Y[train_idx], clf__sample_weight=None if w is None else w[train_idx]
        )
        P[val_idx] = review_scores(pipe, [texts[i] for i in val_idx])
        pairs = _paired(val_idx, rng)
        pair_scores.append(review_scores(pipe, [f"{texts[a]} {texts[b]}" for a, b in pairs]))
        pair_labels.append(Y[pairs[:, 0]] | Y[pairs[:, 1]])
    thresholds = tune_thresholds(np.vstack([Y, *pair_labels]), np.vstack([P, *pair_scores]))
    pipeline = build_pipeline(C=C, seed=seed).fit(texts, Y, clf__sample_weight=w)
    version = datetime.now(UTC).strftime("%Y%m%d") + "-" + _fingerprint(texts, labels, seed, C)
    model = ComplaintModel(pipeline, list(categories), thresholds, version)
    return model, P >= thresholds


def _fingerprint(texts, labels, seed, C) -> str:
    """Same data, seed and parameters (the features' too) -> same version; anything else -> a new one."""
    h = hashlib.sha256()
    h.update(repr(sorted(TextFeatures().get_params().items())).encode())
    for t, labs in zip(texts, labels, strict=True):
        h.update(t.encode())
        h.update(",".join(sorted(labs)).encode())
    h.update(f"{seed}|{C}|{SENTENCE_WEIGHT}|{PAIRS_PER_TEXT}".encode())
    return h.hexdigest()[:8]


def save(model: ComplaintModel, directory: Path, metrics: dict) -> Path:
    import skops.io as sio

    directory.mkdir(parents=True, exist_ok=True)
    sio.dump(model.pipeline, directory / MODEL_FILE)
    meta = {
        "version": model.version,
        "categories": model.categories,
        "thresholds": [float(t) for t in model.thresholds],
        "sentence_weight": model.sentence_weight,
        "metrics": metrics,
    }
    (directory / META_FILE).write_text(
        json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return directory


_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "nlp.model.", "builtins.")


def load(directory: Path) -> ComplaintModel:
    """Load a saved model; refuse types from outside scikit-learn, numpy, scipy and this module."""
    import skops.io as sio

    directory = Path(directory)
    path = directory / MODEL_FILE
    if not path.exists():
        raise FileNotFoundError(f"no model at {path}: run `suara train` first")
    data = path.read_bytes()  # read once: checked, then loaded from the same bytes
    untrusted = sio.get_untrusted_types(data=data)
    foreign = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
    if foreign:
        raise ValueError(f"{path} contains types Suara does not trust: {foreign}; retrain with `suara train`")
    pipeline = sio.loads(data, trusted=untrusted)
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    return ComplaintModel(
        pipeline,
        meta["categories"],
        np.array(meta["thresholds"]),
        meta["version"],
        meta.get("sentence_weight", 0.0),  # models saved before sentence scoring scored whole texts only
    )
