"""Train a new model and let it become current only if it is not worse than the current one (the gate).

``retrain`` is the one way to train (`suara train` and `suara nightly --retrain` call it): it reads the
sources (suara/training.py), fits, compares the new model with the current one on held-out texts,
saves the new model with the decision in its metrics.json ("promotion", plus "holdout"), registers it,
and makes it current only if the gate lets it through.

Held-out texts, never trained on: the ``[train] holdout`` files (by default the 300 real dev reviews in
../shared/real, when present; an absent file is skipped with a note) plus the analysts' labels held out
from training (``human_holdout``, 20% chosen by a hash of the feedback id, see suara/training.py), so the
gate also sees the team's own texts. Both models label them and ``nlp.compare`` gives each one's headline
macro-F1 and macro-F1 over the categories with >= 5 examples there, with a paired bootstrap (1,000
resamples, seed 0) 95% interval of the difference new - current.

The rule, on the headline macro-F1 (the figure every quality statement uses): the new model is REFUSED
when it is significantly worse (the upper end of the interval is below 0) or when its point estimate is
more than ``TOLERANCE`` (0.01) below the current model's; otherwise it is promoted. The macro-F1 over
supported categories is shown beside it but not decided on: categories with 5 to 12 examples move it by
noise. With no current model, no held-out texts, or none of a headline category, the new model is promoted
and the message says why. ``force`` promotes a refused model anyway (and says so).

A refused model is still saved and registered, not current, so it can be inspected (``suara eval --model``)
or forced later (``suara train --force`` on the same data and seed gives the same version); the
newest-on-disk fallback of suara/classify.py skips refused models. ``suara train`` exits 0 when the gate
refuses (training worked; the message names the model that stays current).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nlp import model as nlp_model
from nlp.compare import Comparison, compare
from nlp.dataset import load_labelled
from nlp.sentiment import carry_over
from suara.classify import TEST_FILE
from suara.config import MODELS_DIR
from suara.human_labels import TRAINED_ON, human_labelled, labels_fingerprint
from suara.model_files import NoModel, resolve_model_dir
from suara.store import Store
from suara.taxonomy import load_taxonomy
from suara.training import TrainConfig, file_sha256, load_sources, text_key, train_model

log = logging.getLogger(__name__)

TOLERANCE = 0.01  # largest drop of the headline macro-F1 point estimate the gate lets through


@dataclass
class Holdout:
    """Held-out labelled texts for the gate, and where they came from (for metrics.json)."""

    texts: list[str] = field(default_factory=list)
    gold: list[list[str]] = field(default_factory=list)
    ratings: list[int | None] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    human: int = 0
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [f"{f['rows']} from {Path(f['path']).name}" for f in self.files]
        if self.human:
            parts.append(f"{self.human} analysts' labels")
        return f"{len(self.texts)} held-out texts ({', '.join(parts)})" if self.texts else "no held-out texts"

    def as_dict(self) -> dict:
        return {"n": len(self.texts), "files": self.files, "human": self.human}


def holdout_files(paths: tuple[Path, ...], categories: list[str]) -> Holdout:
    """The holdout files that exist (absent ones skipped with a note), one row per text (the last wins)."""
    hold = Holdout()
    rows: dict[str, tuple[str, list[str], int | None]] = {}
    for path in paths:
        if not path.is_file():
            hold.notes.append(f"skipped holdout file {path} (not found)")
            continue
        texts, gold, ratings = load_labelled(path, categories)
        for text, labels, rating in zip(texts, gold, ratings, strict=True):
            rows.pop(text_key(text), None)
            rows[text_key(text)] = (text, labels, rating)
        hold.files.append({"path": str(path), "sha256": file_sha256(path), "rows": len(texts)})
    hold.texts = [t for t, _, _ in rows.values()]
    hold.gold = [g for _, g, _ in rows.values()]
    hold.ratings = [r for _, _, r in rows.values()]
    return hold


def add_human(
    hold: Holdout, rows: list[tuple[str, str, list[str], int | None]], categories: list[str]
) -> None:
    """Add the analysts' held-out labels; an analyst's decision wins over a holdout file's for the same text."""
    known = set(categories)
    index = {text_key(t): i for i, t in enumerate(hold.texts)}
    for _, text, cats, rating in rows:
        labels = sorted(c for c in set(cats) if c in known)
        key = text_key(text)
        if key in index:
            hold.gold[index[key]] = labels
        else:
            index[key] = len(hold.texts)
            hold.texts.append(text)
            hold.gold.append(labels)
            hold.ratings.append(rating)
    hold.human = len(rows)


@dataclass(frozen=True)
class Decision:
    promoted: bool
    reason: str
    new: str
    current: str | None = None  # the model current before this one
    forced: bool = False
    comparison: Comparison | None = None

    @property
    def message(self) -> str:
        if self.promoted:
            return f"promoted model {self.new}: {self.reason}"
        return f"kept model {self.current}: new model {self.new} worse on holdout: {self.reason}"

    def as_dict(self) -> dict:
        out = {
            "promoted": self.promoted,
            "forced": self.forced,
            "current_before": self.current,
            "reason": self.reason,
            "tolerance": TOLERANCE,
        }
        if self.comparison is not None:
            out["comparison"] = asdict(self.comparison)
        return out


def decide(comparison: Comparison) -> tuple[bool, str]:
    """The gate's rule (see the module docstring): (not worse?, why)."""
    h = comparison.headline
    if h.high < 0:
        return False, f"significantly worse: {h.describe()}"
    if h.diff < -TOLERANCE:
        return False, f"drops by more than {TOLERANCE}: {h.describe()}"
    return True, f"not worse on {comparison.n} held-out texts: {h.describe()}"


def gate(
    new: nlp_model.ComplaintModel, current_path: Path | None, hold: Holdout, force: bool = False
) -> Decision:
    """Compare the new model with the one at ``current_path`` on the held-out texts and decide."""
    if current_path is None:
        return Decision(True, "no current model to compare with", new.version)
    try:
        current = nlp_model.load(current_path)
    except (OSError, ValueError) as exc:
        return Decision(True, f"the current model at {current_path} cannot be loaded ({exc})", new.version)
    if current.version == new.version:
        return Decision(
            True, "same data, seed and parameters as the current model", new.version, current.version
        )
    if not hold.texts:
        return Decision(
            True,
            "no held-out texts to compare on (no holdout file found and no analysts' labels held out)",
            new.version,
            current.version,
        )
    tax = load_taxonomy()
    cmp = compare(
        hold.gold,
        current.predict(hold.texts, hold.ratings),
        new.predict(hold.texts, hold.ratings),
        tax.ids,
        tax.headline_ids,
    )
    if not cmp.headline.defined:
        return Decision(
            True,
            f"the {cmp.n} held-out texts have no headline-category examples to compare on",
            new.version,
            current.version,
            comparison=cmp,
        )
    ok, why = decide(cmp)
    if not ok and force:
        return Decision(True, f"forced (--force) although {why}", new.version, current.version, True, cmp)
    return Decision(ok, why, new.version, current.version, comparison=cmp)


@dataclass
class Retrained:
    version: str
    path: Path
    metrics: dict
    decision: Decision
    notes: list[str]


def retrain(
    open_store: Callable[[], AbstractContextManager[Store]],
    config: TrainConfig,
    *,
    seed: int = 0,
    force: bool = False,
    models_dir: Path = MODELS_DIR,
    test: Path | None = TEST_FILE,
    say: Callable[[str], None] = log.info,
) -> Retrained:
    """Train on ``config``'s sources, gate, save, register; a "train" run row records the decision.

    The store is opened only to read (analysts' labels, current model) and to write (registration): not
    while fitting, so the dashboard and other writers are not kept waiting for minutes.
    """
    tax = load_taxonomy()
    with open_store() as store:
        human_rows = human_labelled(store)
        seen = labels_fingerprint(store)
        try:
            current_path = resolve_model_dir(store, models_dir=models_dir)
        except NoModel:
            current_path = None
        run_id = store.start_run("train")
    try:
        hold = holdout_files(config.holdout, tax.ids)
        training = load_sources(config, human_rows, tax.ids, exclude=hold.texts)
        add_human(hold, training.human_holdout, tax.ids)
        notes = training.notes + hold.notes
        for note in notes:
            say(note)
        say(
            f"training on {len(training.texts)} texts ({int(training.real.sum())} real) from "
            f"{len(training.sources)} source(s); gate on {hold.describe()}"
        )
        model, metrics = train_model(training, seed=seed, test=test)
        decision = gate(model, current_path, hold, force)
        metrics["holdout"] = hold.as_dict()
        metrics["promotion"] = decision.as_dict()
        path = nlp_model.save(model, models_dir / model.version, metrics)
        carry_over(current_path, path)  # the sentiment model stays with the new version
    except BaseException as exc:
        with open_store() as store:
            store.finish_run(run_id, "failed", message=" ".join(str(exc).split())[:500] or type(exc).__name__)
        raise
    with open_store() as store:
        store.register_model(model.version, str(path), metrics, metrics["n_train"], current=decision.promoted)
        store.finish_run(run_id, "success", message=decision.message[:1000])
        store.set_state(*TRAINED_ON, seen)  # promoted or not, these labels have been trained on
    log.info("%s", decision.message)
    return Retrained(model.version, path, metrics, decision, notes)
