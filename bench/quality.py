"""The classifier's quality stages: what the model's labels are worth, measured the way issue 15 asks.

``quality``: the current model and the keyword baseline on the hand-written test set and, where
../shared/real is beside the checkout, on the 300 real dev reviews (evaluation only).

``realcv``: stratified 5-fold cross-validation over the 2,000 real labelled reviews with the written
set in every training fold (``nlp.crossval``), each fold training the full model; rows for headline-six
macro-F1, macro-F1 over every category with at least 20 real examples, praise precision and the weakest
headline category, each with its bootstrap 95% interval, plus the time of one full training on the
default sources (what `suara train` fits). Skipped without ../shared/real; about six trainings long.
"""

from __future__ import annotations

import numpy as np

from bench.base import NO_MODEL, Ctx, Timer, model_dir, peak_mb, row, skipped


def stage_quality(ctx: Ctx) -> list[dict]:
    """Headline macro-F1 of the current model and of the keyword baseline on the hand-written test set and,
    where ../shared/real is beside the checkout, on the labelled real reviews (evaluation only)."""
    from nlp.evaluate import KeywordMatcher
    from nlp.model import load
    from suara.classify import REAL_DEV_FILE, TEST_FILE, evaluate_file
    from suara.taxonomy import load_taxonomy

    path = model_dir(ctx)
    sets = [("hand-written test set (data/labels/test.jsonl)", TEST_FILE, 0.90),
            ("real M-Paspor reviews (../shared/real, dev 300)", REAL_DEV_FILE, 0.85)]  # fmt: skip
    if path is None:
        return [skipped("quality", f"classifier quality: {name}", 0, NO_MODEL) for name, _, _ in sets]
    model, baseline = load(path), KeywordMatcher.from_taxonomy(load_taxonomy())
    rows = []
    for name, file, target in sets:
        label = f"classifier quality: {name}"
        if not file.exists():
            rows.append(skipped("quality", label, 0, f"{file} is not here"))
            continue
        with Timer() as timer:
            result = evaluate_file(file, model.predict)
        f1, base = result["macro_f1_headline"], evaluate_file(file, baseline.predict)["macro_f1_headline"]
        praise = result["per_category"]["praise"]
        rows.append(row(
            "quality", label, result["n"], f1, "macro-F1", target=f">= {target:.2f}, baseline + 0.10",
            ok=f1 >= target and f1 >= base + 0.10, naive=base, naive_unit="macro-F1", vs="keyword baseline",
            ratio=f1 / base if base else None, rss_mb=peak_mb(), seconds=timer.wall, cpu=timer.cpu,
            note=f"headline six, model {model.version}; all categories {result['macro_f1']:.3f}, "
                 f"praise precision {praise['precision']:.2f} (n={praise['support']})",
        ))  # fmt: skip
    return rows


def stage_realcv(ctx: Ctx) -> list[dict]:
    """Cross-validation on the real labelled reviews (see the module docstring)."""
    from nlp.compare import macro_f1_interval
    from nlp.crossval import cross_validate, macro_over
    from nlp.dataset import load_labelled
    from nlp.train import MIN_REAL_POSITIVES, train
    from suara.taxonomy import load_taxonomy
    from suara.training import REAL_TRAIN_FILE, TRAIN_FILE

    label = "classifier: real 5-fold CV"
    if not REAL_TRAIN_FILE.exists():
        return [skipped("realcv", label, 0, f"{REAL_TRAIN_FILE} is not here")]
    tax = load_taxonomy()
    real = load_labelled(REAL_TRAIN_FILE, tax.ids)
    written = load_labelled(TRAIN_FILE, tax.ids)
    with Timer() as cv_timer:
        m = cross_validate(
            real.texts, real.labels, real.ratings, written.texts, written.labels, tax.ids, tax.headline_ids
        )
    support = {c: sum(c in labs for labs in real.labels) for c in tax.ids}
    big = [c for c in tax.ids if support[c] >= MIN_REAL_POSITIVES]
    spread = {
        name: macro_f1_interval(real.labels, m["predictions"], cats)
        for name, cats in (("head", tax.headline_ids), ("big", big))
    }
    per = m["per_category"]
    weakest = min(tax.headline_ids, key=lambda c: per[c]["f1"])
    n = len(real.texts)
    common = {"rss_mb": peak_mb(), "seconds": cv_timer.wall, "cpu": cv_timer.cpu}
    rows = [
        row("realcv", f"{label}: headline-six macro-F1", n, m["macro_f1_headline"], "macro-F1", target=">= 0.90",
            ok=m["macro_f1_headline"] >= 0.90, note="95% bootstrap interval {:.3f}-{:.3f}; ".format(*spread["head"])
            + ", ".join(f"{c} {per[c]['f1']:.2f}" for c in tax.headline_ids), **common),
        row("realcv", f"{label}: macro-F1, {len(big)} categories with >= {MIN_REAL_POSITIVES} real examples", n,
            macro_over(m, big), "macro-F1", target=">= 0.82", ok=macro_over(m, big) >= 0.82,
            note="95% bootstrap interval {:.3f}-{:.3f}; ".format(*spread["big"])
            + ", ".join(f"{c} {per[c]['f1']:.2f}" for c in big if c not in tax.headline_ids)),
        row("realcv", f"{label}: praise precision", n, per["praise"]["precision"], "precision", target=">= 0.85",
            ok=per["praise"]["precision"] >= 0.85, note=f"recall {per['praise']['recall']:.2f}, F1 {per['praise']['f1']:.2f}"),
        row("realcv", f"{label}: weakest headline category", n, per[weakest]["f1"], "F1", target=">= 0.85",
            ok=per[weakest]["f1"] >= 0.85, note=f"{weakest} (n={per[weakest]['support']})"),
    ]  # fmt: skip
    texts = written.texts + real.texts
    with Timer() as t:
        train(
            texts, written.labels + real.labels, tax.ids,
            real=np.r_[np.zeros(len(written.texts), bool), np.ones(n, bool)],
            ratings=[None] * len(written.texts) + real.ratings,
        )  # fmt: skip
    rows.append(row("realcv", "suara train: written + real texts", len(texts), t.wall, "s", target="< 300 s",
                    ok=t.wall < 300, rss_mb=peak_mb(), seconds=t.wall, cpu=t.cpu,
                    note="fit only (the command adds reading and saving, under a second)"))  # fmt: skip
    return rows
