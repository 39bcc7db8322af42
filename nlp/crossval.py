"""Cross-validation on real reviews: the yardstick for choosing and promoting a classifier.

Stratified k-fold over the real labelled texts; the other training texts (the written set) are in
every training fold. Each fold trains the full model (``nlp.train.train``: its own inner folds, second
stage and thresholds), so the out-of-fold decisions are what a model trained without those texts does.
``bootstrap_spread`` resamples the texts to show how much a figure moves by chance.
"""

from __future__ import annotations

import time

import numpy as np

from nlp.evaluate import evaluate
from nlp.train import _folds, binarize, train


def cross_validate(
    real_texts: list[str],
    real_labels: list[list[str]],
    real_ratings: list,
    other_texts: list[str],
    other_labels: list[list[str]],
    categories: list[str],
    headline: list[str],
    folds: int = 5,
    seed: int = 0,
    **train_kw,
) -> dict:
    """Out-of-fold decisions on the real texts, their metrics and the scoring speed."""
    Y = binarize(real_labels, categories)
    fold = _folds(Y, np.ones(len(Y), dtype=bool), folds, seed)
    pred: list[list[str]] = [[] for _ in real_texts]
    scored, seconds = 0, 0.0
    for f in range(folds):
        test = np.flatnonzero(fold == f)
        train_idx = np.flatnonzero(fold != f)
        texts = other_texts + [real_texts[i] for i in train_idx]
        labels = other_labels + [real_labels[i] for i in train_idx]
        real = np.r_[np.zeros(len(other_texts), bool), np.ones(len(train_idx), bool)]
        ratings = [None] * len(other_texts) + [real_ratings[i] for i in train_idx]
        model, _ = train(texts, labels, categories, seed=seed, real=real, ratings=ratings, **train_kw)
        started = time.perf_counter()
        out = model.predict([real_texts[i] for i in test], [real_ratings[i] for i in test])
        seconds += time.perf_counter() - started
        scored += len(test)
        for i, labs in zip(test, out, strict=True):
            pred[i] = labs
    metrics = evaluate(real_labels, pred, categories, headline)
    metrics["texts_per_second"] = scored / seconds if seconds else None
    metrics["predictions"] = pred
    return metrics


def macro_over(metrics: dict, cats: list[str]) -> float:
    return float(np.mean([metrics["per_category"][c]["f1"] for c in cats])) if cats else 0.0


def bootstrap_spread(
    gold: list[list[str]],
    pred: list[list[str]],
    categories: list[str],
    groups: dict[str, list[str]],
    n: int = 1000,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """95% interval of each macro-F1 in ``groups`` (name -> categories) over texts resampled with replacement."""
    G, P = binarize(gold, categories).astype(bool), binarize(pred, categories).astype(bool)
    rng = np.random.default_rng(seed)
    idx = {c: i for i, c in enumerate(categories)}
    draws: dict[str, list[float]] = {g: [] for g in groups}
    for _ in range(n):
        s = rng.integers(0, len(G), len(G))
        g, p = G[s], P[s]
        tp, fp, fn = (g & p).sum(0), (~g & p).sum(0), (g & ~p).sum(0)
        f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
        for name, cats in groups.items():
            draws[name].append(float(np.mean([f1[idx[c]] for c in cats])))
    return {k: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for k, v in draws.items()}
