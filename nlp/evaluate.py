"""Multi-label evaluation and the keyword baseline the model must beat.

``evaluate`` gives per-category precision, recall, F1 and support, micro and macro F1 (over all
categories and over the six headline ones) and the most frequent confusions: for each text, every
missed true category paired with every wrongly predicted one ("none" when a side is empty).
"""

from __future__ import annotations

import re
from collections import Counter

from nlp.text import normalize


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(
    gold: list[list[str]], pred: list[list[str]], categories: list[str], headline: list[str], top: int = 10
) -> dict:
    per: dict[str, dict] = {}
    confusions: Counter = Counter()
    counts = {c: [0, 0, 0] for c in categories}  # tp, fp, fn
    for g, p in zip(gold, pred, strict=True):
        g, p = set(g), set(p)
        for c in categories:
            counts[c][0] += c in g and c in p
            counts[c][1] += c not in g and c in p
            counts[c][2] += c in g and c not in p
        missed, extra = sorted(g - p), sorted(p - g)
        for m in missed or ["none"]:
            for e in extra or ["none"]:
                if (m, e) != ("none", "none"):
                    confusions[(m, e)] += 1
    for c, (tp, fp, fn) in counts.items():
        p, r, f = _prf(tp, fp, fn)
        per[c] = {"precision": p, "recall": r, "f1": f, "support": tp + fn}
    tp, fp, fn = (sum(v[i] for v in counts.values()) for i in range(3))
    present = [c for c in categories if per[c]["support"] > 0]
    heads = [c for c in headline if per[c]["support"] > 0]
    return {
        "n": len(gold),
        "per_category": per,
        "micro_f1": _prf(tp, fp, fn)[2],
        "macro_f1": sum(per[c]["f1"] for c in present) / len(present) if present else 0.0,
        "macro_f1_headline": sum(per[c]["f1"] for c in heads) / len(heads) if heads else 0.0,
        "exact_match": sum(set(g) == set(p) for g, p in zip(gold, pred, strict=True)) / len(gold)
        if gold
        else 0.0,
        "confusions": [{"true": t, "predicted": p, "count": n} for (t, p), n in confusions.most_common(top)],
    }


class KeywordMatcher:
    """The plain baseline: a category fires when one of its taxonomy keywords occurs in the text."""

    def __init__(self, keywords: dict[str, tuple[str, ...]]):
        self.patterns = {
            cat: re.compile(r"\b(?:" + "|".join(re.escape(normalize(k)) for k in words) + r")")
            for cat, words in keywords.items()
            if words
        }

    @classmethod
    def from_taxonomy(cls, taxonomy) -> KeywordMatcher:
        return cls({c.id: c.keywords for c in taxonomy.categories})

    def predict(self, texts: list[str], ratings=None) -> list[list[str]]:
        """The categories whose keywords occur in each text (ratings are accepted and ignored)."""
        out = []
        for text in texts:
            norm = normalize(text)
            out.append([cat for cat, pat in self.patterns.items() if pat.search(norm)])
        return out
