"""Two classifiers on the same labelled texts: macro-F1 of each and a paired bootstrap of the difference.

``compare`` takes the gold label sets and the two models' predicted sets for the same texts and returns,
for the headline categories and for every category with enough examples, each model's macro-F1, the
difference (second minus first) and a percentile bootstrap interval of that difference. The bootstrap is
paired: each resample draws texts (with replacement) and scores both models on the same draw, so the
interval reflects how much the difference, not each figure, depends on which texts happened to be held
out. Seeded: the same inputs give the same interval.

A category's F1 is 2·tp / (2·tp + fp + fn), as in ``nlp.evaluate`` (0 when it has no examples and no
predictions); the categories a macro averages over are fixed from the full set, not per resample.
Pure numpy over label lists: no store, no files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RESAMPLES = 1000
MIN_SUPPORT = 5  # examples a category needs in the texts to count in the "supported" macro-F1


@dataclass(frozen=True)
class Difference:
    """Macro-F1 over ``categories`` of the current and the new model, and (new - current) with its interval."""

    name: str
    categories: tuple[str, ...]
    current: float
    new: float
    diff: float
    low: float
    high: float

    @property
    def defined(self) -> bool:
        return bool(self.categories)

    def describe(self) -> str:
        return (
            f"macro-F1 ({self.name}) new {self.new:.3f}, current {self.current:.3f}, "
            f"difference {self.diff:+.3f} (95% CI {self.low:+.3f} to {self.high:+.3f})"
        )


@dataclass(frozen=True)
class Comparison:
    n: int
    headline: Difference
    supported: Difference
    resamples: int
    seed: int


def _indicators(gold: list[list[str]], pred: list[list[str]], categories: list[str]) -> np.ndarray:
    """(3, n, k) 0/1 arrays of true positives, false positives and false negatives per text and category."""
    index = {c: j for j, c in enumerate(categories)}
    g = np.zeros((len(gold), len(categories)), dtype=bool)
    p = np.zeros_like(g)
    for i, (gs, ps) in enumerate(zip(gold, pred, strict=True)):
        for c in gs:
            if c in index:
                g[i, index[c]] = True
        for c in ps:
            if c in index:
                p[i, index[c]] = True
    return np.stack([g & p, ~g & p, g & ~p]).astype(float)


def _macro_f1(counts: np.ndarray) -> np.ndarray:
    """Macro-F1 from counts of shape (3, ..., k): tp, fp, fn summed over texts; averaged over the last axis."""
    tp, fp, fn = counts
    denom = 2 * tp + fp + fn
    f1 = np.divide(2 * tp, denom, out=np.zeros(denom.shape, dtype=float), where=denom > 0)
    return f1.mean(axis=-1)


def _draws(n: int, resamples: int, seed: int) -> np.ndarray:
    """How often each text is drawn in each resample: (resamples, n); counts per resample are W @ indicators."""
    return np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(float)


def macro_f1_interval(
    gold: list[list[str]],
    pred: list[list[str]],
    categories: list[str],
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """The bootstrap 95% interval of one model's macro-F1 over ``categories`` (how much it moves by chance)."""
    if not categories or not gold:
        return 0.0, 0.0
    boot = _macro_f1(_draws(len(gold), resamples, seed) @ _indicators(gold, pred, list(categories)))
    low, high = np.percentile(boot, [2.5, 97.5])
    return float(low), float(high)


def macro_f1_difference(
    gold: list[list[str]],
    current: list[list[str]],
    new: list[list[str]],
    categories: list[str],
    name: str = "all categories",
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Difference:
    """Macro-F1 over ``categories`` of both predictions, and the paired bootstrap 95% interval of new - current."""
    cats = tuple(categories)
    if not cats or not gold:
        return Difference(name, cats, 0.0, 0.0, 0.0, 0.0, 0.0)
    a = _indicators(gold, current, list(cats))
    b = _indicators(gold, new, list(cats))
    point_a, point_b = float(_macro_f1(a.sum(axis=1))), float(_macro_f1(b.sum(axis=1)))
    draws = _draws(len(gold), resamples, seed)
    boot_a = _macro_f1(draws @ a)  # (3, resamples, k) counts -> (resamples,)
    boot_b = _macro_f1(draws @ b)
    low, high = np.percentile(boot_b - boot_a, [2.5, 97.5])
    return Difference(name, cats, point_a, point_b, point_b - point_a, float(low), float(high))


def compare(
    gold: list[list[str]],
    current: list[list[str]],
    new: list[list[str]],
    categories: list[str],
    headline: list[str],
    min_support: int = MIN_SUPPORT,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Comparison:
    """The headline macro-F1 (headline categories with at least one example, as ``nlp.evaluate`` counts it)
    and the macro-F1 over every category with ``min_support`` examples or more, for both models."""
    support = {c: 0 for c in categories}
    for labels in gold:
        for c in set(labels):
            if c in support:
                support[c] += 1
    heads = [c for c in headline if support.get(c, 0) > 0]
    supported = [c for c in categories if support[c] >= min_support]
    return Comparison(
        n=len(gold),
        headline=macro_f1_difference(gold, current, new, heads, "headline six", resamples, seed),
        supported=macro_f1_difference(
            gold, current, new, supported, f"categories with >= {min_support} examples", resamples, seed
        ),
        resamples=resamples,
        seed=seed,
    )
