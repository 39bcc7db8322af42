"""Fitting the complaint classifier (nlp/model.py) from labelled texts of several kinds.

``train`` takes every labelled text with a weight, a flag saying whether it is a real review (a store
review, a tweet, an analyst's label) or a text written for training, and the star rating where there is
one. It works in five steps, all seeded, so the same data gives the same model:

1. Features are fitted once on all texts (vocabularies and IDF only: no labels are involved).
2. Five folds (real reviews stratified by their rarest category, written texts spread evenly) give
   out-of-fold first-stage scores for every text.
3. For each category with at least ``MIN_REAL_POSITIVES`` real positives, the second stage is fitted on
   the real texts' out-of-fold scores plus their rating, each real text also once with its rating
   hidden so that texts without a rating are scored well too. Its threshold is tuned on its own
   out-of-fold scores (an inner 5-fold split of those rows): the real distribution, not the written one.
4. The other categories keep the first-stage logistic score, with the threshold tuned on the
   out-of-fold scores of all texts (written texts included: the only examples there are).
5. The first stage is refitted on all texts.

The written texts cover what real reviews rarely say; the real ones teach the second stage and the
thresholds how people actually write. Model selection (the variants compared, the cross-validation on
real reviews) is reported in nlp/README.md.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold

from nlp.features import Rows, TextFeatures
from nlp.model import RATING_SLOTS, SENTENCE_WEIGHT, ComplaintModel, rating_features, sentence_scores, sigmoid
from nlp.text import default_stemmer, segments, stop_words

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
# Categories whose thresholds favour precision (F-beta, beta < 1): a Pujian count that includes 1-star
# rants ("katanya mudah, nyatanya ribet") tells an analyst the opposite of the truth, while a missed
# compliment costs little.
PRECISION_FIRST = {"praise": 0.5}
MIN_REAL_POSITIVES = 20  # a category needs this many real positives for the second stage and real thresholds
NB_ALPHA = 1.0  # smoothing of the NB log-count ratios
STACK_C = 1.0  # regularization of the second stage (32 inputs per category)


def binarize(labels: list[list[str]], categories: list[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(categories)}
    Y = np.zeros((len(labels), len(categories)), dtype=np.int8)
    for row, labs in enumerate(labels):
        for lab in labs:
            Y[row, index[lab]] = 1
    return Y


def tune_thresholds(Y: np.ndarray, P: np.ndarray, beta: np.ndarray | None = None) -> np.ndarray:
    """Per category, the threshold on the grid that maximizes F-beta (F1 unless ``beta`` says otherwise
    for that category; ties: the middle of the best run)."""
    out = np.full(Y.shape[1], 0.5)
    for j in range(Y.shape[1]):
        y = Y[:, j].astype(bool)
        if not y.any():
            continue
        b2 = 1.0 if beta is None else float(beta[j]) ** 2
        pred = P[:, j][:, None] >= THRESHOLD_GRID[None, :]
        tp = (pred & y[:, None]).sum(0)
        f1 = (1 + b2) * tp / np.maximum(pred.sum(0) + b2 * y.sum(), 1)
        best = np.flatnonzero(f1 >= f1.max() - 1e-9)
        out[j] = THRESHOLD_GRID[best[len(best) // 2]]
    return out


# -- first stage ----------------------------------------------------------------------------------
def _fit_column(X, present, y, w, C, seed, nb: bool):
    """(coef, intercept) of one category's logistic regression, NB-weighted when ``nb`` (``present``: X's
    non-zeros as 1, for the log-count ratios)."""
    if y.min() == y.max():  # no positive (or no negative) in these rows: a constant score
        return np.zeros(X.shape[1], np.float32), -30.0 if y[0] == 0 else 30.0
    r = None
    if nb:
        pos = NB_ALPHA + present.T @ (w * (y == 1))
        neg = NB_ALPHA + present.T @ (w * (y == 0))
        r = np.log((pos / pos.sum()) / (neg / neg.sum())).astype(np.float32)
        X = X @ sp.diags(r)
    clf = LogisticRegression(
        C=C, class_weight="balanced", solver="liblinear", random_state=seed, max_iter=2000
    )
    clf.fit(X, y, sample_weight=w)
    coef = clf.coef_.ravel().astype(np.float32)
    return (coef * r if nb else coef), float(clf.intercept_[0])


def fit_first_stage(X: sp.csr_matrix, Y: np.ndarray, w: np.ndarray, C: float, seed: int):
    """Both first stages for every category: coef (n_features, 2k), intercept (2k,)."""
    k = Y.shape[1]
    X = X.tocsr()
    X.sum_duplicates()  # canonical now, in this thread: scikit-learn's checks would sort it in place, racing
    present = X.copy()
    present.data[:] = 1  # once for all categories
    jobs = [(j, nb) for nb in (False, True) for j in range(k)]
    with ThreadPoolExecutor(2) as pool:  # liblinear releases the GIL: the categories fit side by side
        fitted = list(pool.map(lambda job: _fit_column(X, present, Y[:, job[0]], w, C, seed, job[1]), jobs))
    coef = np.stack([c for c, _ in fitted], axis=1)
    return coef, np.array([b for _, b in fitted], dtype=np.float32)


# -- folds ----------------------------------------------------------------------------------------
def assign_folds(Y: np.ndarray, real: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Fold number per text: real texts stratified by their rarest category, written texts at random."""
    fold = np.zeros(len(Y), dtype=int)
    for mask, stratify in ((real, True), (~real, False)):
        idx = np.flatnonzero(mask)
        if len(idx) < folds:
            fold[idx] = np.arange(len(idx)) % folds
            continue
        key = np.full(len(idx), -1)
        freq = Y[idx].sum(0)
        for n, row in enumerate(Y[idx]):
            on = np.flatnonzero(row)
            if len(on):
                key[n] = on[np.argmin(freq[on])]
        values, counts = np.unique(key, return_counts=True)
        rare = values[counts < folds]
        key[np.isin(key, rare)] = -2  # too rare to stratify on: pooled
        if stratify and np.unique(key, return_counts=True)[1].min() >= folds:
            split = StratifiedKFold(folds, shuffle=True, random_state=seed).split(idx, key)
        else:
            split = KFold(folds, shuffle=True, random_state=seed).split(idx)
        for f, (_, test) in enumerate(split):
            fold[idx[test]] = f
    return fold


# -- second stage ---------------------------------------------------------------------------------
def _stack_inputs(first: np.ndarray, ratings: list) -> tuple[np.ndarray, np.ndarray]:
    """Each row twice: with its rating, and with the rating hidden (as a tweet would come)."""
    n = len(first)
    return np.vstack(
        [np.hstack([first, rating_features(ratings, n)]), np.hstack([first, rating_features(None, n)])]
    ), np.r_[np.arange(n), np.arange(n)]


def _fit_stack(Z, y, w, seed):
    clf = LogisticRegression(C=STACK_C, solver="liblinear", random_state=seed, max_iter=2000)
    clf.fit(Z, y, sample_weight=w)
    return clf.coef_.ravel(), float(clf.intercept_[0])


def fit_second_stage(first, Y, w, ratings, stacked, folds, seed):
    """Second-stage coefficients (2k + 6, k) and intercepts, and their out-of-fold scores (n, k) on the
    rows given (with their ratings), for the categories in ``stacked``."""
    n, k = Y.shape
    Z, orig = _stack_inputs(first, ratings)
    coef = np.zeros((Z.shape[1], k), dtype=np.float32)
    intercept = np.zeros(k, dtype=np.float32)
    oof = np.zeros((len(Z), k))
    split = list(KFold(folds, shuffle=True, random_state=seed).split(np.arange(n)))
    for j in np.flatnonzero(stacked):
        y, wz = Y[orig, j], w[orig]
        for _, test in split:
            held = np.isin(orig, test)
            c, b = _fit_stack(Z[~held], y[~held], wz[~held], seed)
            oof[held, j] = sigmoid(Z[held] @ c + b)
        coef[:, j], intercept[j] = _fit_stack(Z, y, wz, seed)
    return coef, intercept, oof, orig


# -- training -------------------------------------------------------------------------------------
def train(
    texts: list[str],
    labels: list[list[str]],
    categories: list[str],
    seed: int = 0,
    folds: int = 5,
    C: float = 2.0,
    weights: np.ndarray | None = None,
    real: np.ndarray | None = None,
    ratings: list | None = None,
) -> tuple[ComplaintModel, np.ndarray]:
    """Fit a model; returns it and its out-of-fold decisions for every text (the validation figures).

    ``weights`` weigh each text in fitting (default 1); ``real`` marks the real reviews (default: none);
    ``ratings`` gives each text's star rating or None (default: none has one).
    """
    n = len(texts)
    Y = binarize(labels, categories)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    real = np.zeros(n, dtype=bool) if real is None else np.asarray(real, dtype=bool)
    ratings = [None] * n if ratings is None else list(ratings)

    docs = [segments(t) for t in texts]
    features = TextFeatures().fit(docs)
    rows = features.transform(docs)
    fold = assign_folds(Y, real, folds, seed)
    first = np.zeros((n, 2 * len(categories)))
    sent_fold = fold[rows.owner] if len(rows.owner) else np.zeros(0, dtype=int)
    for f in range(folds):
        test = fold == f
        if not test.any():
            continue
        coef, b = fit_first_stage(rows.whole[~test], Y[~test], w[~test], C, seed)
        idx = np.flatnonzero(test)
        local = {g: i for i, g in enumerate(idx)}
        s_sel = np.flatnonzero(sent_fold == f)
        owner = np.array([local[o] for o in rows.owner[s_sel]], dtype=np.int64)
        held = Rows(rows.whole[idx], rows.sentences[s_sel], owner)
        first[idx] = sentence_scores(held, coef, b, SENTENCE_WEIGHT)

    k = len(categories)
    stacked = Y[real].sum(0) >= MIN_REAL_POSITIVES
    beta = np.array([PRECISION_FIRST.get(c, 1.0) for c in categories])
    thresholds = tune_thresholds(Y, first[:, :k], beta)
    decisions = first[:, :k] >= thresholds
    stack_coef = np.zeros((2 * k + RATING_SLOTS, k), dtype=np.float32)
    stack_b = np.zeros(k, dtype=np.float32)
    if stacked.any():
        ridx = np.flatnonzero(real)
        stack_coef, stack_b, oof, orig = fit_second_stage(
            first[ridx], Y[ridx], w[ridx], [ratings[i] for i in ridx], stacked, folds, seed
        )
        stacked_thresholds = tune_thresholds(Y[ridx][orig], oof, beta)
        thresholds = np.where(stacked, stacked_thresholds, thresholds)
        with_rating = oof[: len(ridx)]  # the first copy of each real text: with its rating
        decisions[ridx] = np.where(stacked, with_rating >= thresholds, decisions[ridx])

    coef, b = fit_first_stage(rows.whole, Y, w, C, seed)
    stops = stop_words()
    words = {t for doc in docs for tokens, _ in doc for t in tokens if t not in stops and len(t) > 1}
    model = ComplaintModel(
        features=features,
        categories=list(categories),
        coef=coef,
        intercept=b,
        stack_coef=stack_coef,
        stack_intercept=stack_b,
        stacked=stacked,
        thresholds=thresholds,
        version=datetime.now(UTC).strftime("%Y%m%d")
        + "-"
        + fingerprint(texts, labels, w, real, ratings, seed, C),
        params={
            "C": C,
            "seed": seed,
            "folds": folds,
            "stack_C": STACK_C,
            "nb_alpha": NB_ALPHA,
            "min_real_positives": MIN_REAL_POSITIVES,
            "precision_first": PRECISION_FIRST,
        },
        stems=default_stemmer().stems(sorted(words)),
    )
    return model, decisions


def fingerprint(texts, labels, weights, real, ratings, seed, C) -> str:
    """Same data, weights, kinds, ratings, seed and parameters -> same version; anything else -> a new one."""
    h = hashlib.sha256()
    h.update(repr(sorted(TextFeatures().params().items())).encode())
    for t, labs, wt, r, stars in zip(texts, labels, weights, real, ratings, strict=True):
        h.update(f"{t}\x1f{','.join(sorted(labs))}\x1f{wt:g}\x1f{int(r)}\x1f{stars}\x1e".encode())
    h.update(
        f"{seed}|{C}|{SENTENCE_WEIGHT}|{STACK_C}|{NB_ALPHA}|{MIN_REAL_POSITIVES}|{PRECISION_FIRST}".encode()
    )
    return h.hexdigest()[:8]
