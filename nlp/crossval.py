"""Cross-validation on real reviews: the yardstick for choosing and promoting a classifier.

Stratified k-fold over the real labelled texts; the other training texts (the written set) are in
every training fold. Each fold trains the full model (``nlp.train.train``: its own inner folds, second
stage and thresholds), so the out-of-fold decisions are what a model trained without those texts does.
``nlp.compare.macro_f1_interval`` gives the spread of each figure over resampled texts.
"""

from __future__ import annotations

import time

import numpy as np

from nlp.evaluate import evaluate
from nlp.train import assign_folds, binarize, train


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
    fold = assign_folds(Y, np.ones(len(Y), dtype=bool), folds, seed)
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
