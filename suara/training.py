"""Training data from several labelled sources, and fitting the classifier on it.

A training run reads its sources in order: labelled JSONL files ({text, labels} per line), each with a
weight and a kind, then the analysts' labels from the store. Where the list comes from:
``suara train --data FILE[:WEIGHT]`` / ``--real FILE[:WEIGHT]`` (they replace the configured files),
else ``[train]`` in suara.toml (paths relative to that file), else the built-in default (``DEFAULT``):
data/labels/train.jsonl (written), ../shared/real/mpaspor_play_train_labelled.jsonl (real, skipped
with a note when it is not beside the checkout) and the analysts' labels (weight 2).

The rules a training set is built by:

- kind "written": texts written for training; kind "real": real reviews labelled by hand. The analysts'
  labels count as real. The classifier tunes the thresholds of well-supported categories on the
  out-of-fold scores of real texts (``nlp.model.train(..., real=...)``), so kinds are not cosmetic.
- A weight multiplies each of the source's texts in fitting (default 1; the analysts' ``human_weight``).
- One text, one row: a text that occurs more than once (case and whitespace aside) is trained on once,
  with the labels, weight and kind of its LAST occurrence: a later source wins over an earlier one, a
  later line over an earlier line of the same file, and the analysts' labels win over every file.
- Held-out texts are never trained on: the promotion gate's holdout files and the analysts' labels
  held out for it (``human_holdout``, 20% by default: those whose sha256(feedback_id) falls in the
  lowest fifth, so an item stays on its side as labels accumulate). See suara/promotion.py.
- An optional source that is absent is skipped with a note; a required one that is absent is an error.

Each saved model's metrics.json lists its sources under "sources" (path, kind, weight, sha256 of the
file or of the canonical analysts' rows, rows read, rows used after deduplication and holdout), which
with the seed is what it takes to train the same model again.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nlp import model as nlp_model
from nlp.dataset import LabelledDataError, load_labelled
from nlp.evaluate import evaluate
from nlp.train import train
from suara.classify import REAL_DEV_FILE, TEST_FILE, evaluate_file
from suara.config import DATA_DIR, ConfigError, Settings
from suara.store import utcnow
from suara.taxonomy import load_taxonomy

TRAIN_FILE = DATA_DIR / "labels" / "train.jsonl"
# Real labelled reviews, beside a checkout only (../shared/real); the dev set beside it is the holdout.
REAL_TRAIN_FILE = REAL_DEV_FILE.with_name("mpaspor_play_train_labelled.jsonl")
KINDS = ("written", "real")
HUMAN = "store:human_reviews"  # the analysts' labels, as a source's path in metrics.json
MIN_ADDED_EXAMPLES = 20  # an analysts' added category is learnt from this many texts (nlp/train.py's stage 2)
MIN_TEXTS = 10  # thresholds are tuned over 5 folds: two texts a fold at the least


class TrainingInputError(Exception):
    """A training input the user named on the command line cannot be used (the message says why)."""


@dataclass(frozen=True)
class TrainSource:
    """A labelled JSONL file to train on."""

    path: Path
    weight: float = 1.0
    kind: str = "written"
    optional: bool = False


@dataclass(frozen=True)
class TrainConfig:
    """What to train on and what to hold out for the promotion gate (the ``[train]`` table)."""

    sources: tuple[TrainSource, ...]
    human: bool = True
    human_weight: float = 2.0
    human_holdout: float = 0.2
    holdout: tuple[Path, ...] = ()
    where: str = "the built-in default"  # named in error messages


DEFAULT = TrainConfig(
    sources=(TrainSource(TRAIN_FILE), TrainSource(REAL_TRAIN_FILE, kind="real", optional=True)),
    holdout=(REAL_DEV_FILE,),
)
_SOURCE_KEYS = {"path", "weight", "kind", "optional"}
_TRAIN_KEYS = {"sources", "human", "human_weight", "human_holdout", "holdout"}


def _positive(value, what: str, where: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigError(f"{where}: {what} must be a number > 0, not {value!r}")
    return float(value)


def train_config(settings: Settings) -> TrainConfig:
    """The ``[train]`` table of the config file, checked, over ``DEFAULT`` (a key left out keeps its default).

    Paths are relative to the config file, as ``[suara] db`` is.
    """
    raw = settings.extra.get("train") if isinstance(settings.extra, dict) else None
    if raw is None:
        return DEFAULT
    where = f"{settings.config_path or 'suara.toml'} [train]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    if set(raw) - _TRAIN_KEYS:
        raise ConfigError(
            f"{where} has unknown keys {sorted(set(raw) - _TRAIN_KEYS)}; allowed: {sorted(_TRAIN_KEYS)}"
        )
    base = Path(settings.config_path).resolve().parent if settings.config_path else Path.cwd()

    def path_of(value, what: str) -> Path:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: {what} must be a file path (a string), not {value!r}")
        return base / value

    sources = DEFAULT.sources
    if "sources" in raw:
        if not isinstance(raw["sources"], list):
            raise ConfigError(
                f"{where}: sources must be a list of {{ path = ..., weight = ..., kind = ... }}"
            )
        sources = []
        for i, spec in enumerate(raw["sources"], 1):
            what = f"sources[{i}]"
            if not isinstance(spec, dict):
                raise ConfigError(
                    f'{where}: {what} must be a table like {{ path = "x.jsonl" }}, not {spec!r}'
                )
            if set(spec) - _SOURCE_KEYS:
                raise ConfigError(
                    f"{where}: {what} has unknown keys {sorted(set(spec) - _SOURCE_KEYS)}; "
                    f"allowed: {sorted(_SOURCE_KEYS)}"
                )
            if "path" not in spec:
                raise ConfigError(f"{where}: {what} has no path")
            kind = spec.get("kind", "written")
            if kind not in KINDS:
                raise ConfigError(f"{where}: {what} kind must be one of {', '.join(KINDS)}, not {kind!r}")
            optional = spec.get("optional", False)
            if not isinstance(optional, bool):
                raise ConfigError(f"{where}: {what} optional must be true or false, not {optional!r}")
            sources.append(
                TrainSource(
                    path_of(spec["path"], f"{what} path"),
                    _positive(spec.get("weight", 1.0), f"{what} weight", where),
                    kind,
                    optional,
                )
            )
        sources = tuple(sources)
    human = raw.get("human", DEFAULT.human)
    if not isinstance(human, bool):
        raise ConfigError(f"{where}: human must be true or false, not {human!r}")
    share = raw.get("human_holdout", DEFAULT.human_holdout)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share < 1:
        raise ConfigError(
            f"{where}: human_holdout must be a share from 0 up to (not including) 1, not {share!r}"
        )
    holdout = raw.get("holdout")
    if holdout is not None and not isinstance(holdout, list):
        raise ConfigError(f"{where}: holdout must be a list of file paths")
    return TrainConfig(
        sources=sources,
        human=human,
        human_weight=_positive(raw.get("human_weight", DEFAULT.human_weight), "human_weight", where),
        human_holdout=float(share),
        holdout=DEFAULT.holdout
        if holdout is None
        else tuple(path_of(p, f"holdout[{i}]") for i, p in enumerate(holdout, 1)),
        where=where,
    )


def parse_source(spec: str, kind: str = "written", option: str = "--data") -> TrainSource:
    """``FILE`` or ``FILE:WEIGHT`` from the command line (WEIGHT a number > 0); the file must exist."""
    path, sep, weight = spec.rpartition(":")
    if not sep:
        path, weight = spec, "1"
    try:
        value = float(weight)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise TrainingInputError(
            f"{option} {spec}: weight {weight!r} is not a number > 0; write FILE or FILE:WEIGHT, e.g. labels.jsonl:2"
        )
    if not Path(path).is_file():
        raise TrainingInputError(
            f"{option} {spec}: file {path} not found; name an existing labelled JSONL file"
        )
    return TrainSource(Path(path), value, kind)


# -- the analysts' labels ---------------------------------------------------------------------------
def held_out(feedback_id: str, share: float) -> bool:
    """Whether an analyst-labelled item is kept for the promotion gate: sha256 of its id in the lowest ``share``."""
    return int.from_bytes(hashlib.sha256(feedback_id.encode()).digest()[:8], "big") < share * 2**64


def split_human(
    rows: Iterable[tuple[str, str, list[str]]], share: float
) -> tuple[list[tuple[str, str, list[str]]], list[tuple[str, str, list[str]]]]:
    """(feedback_id, text, categories) rows -> (to train on, held out for the gate)."""
    train, hold = [], []
    for row in rows:
        (hold if held_out(row[0], share) else train).append(row)
    return train, hold


def _rows_sha256(rows: list[tuple[str, str, list[str]]]) -> str:
    """sha256 of the canonical form of analysts' rows: one sorted-key JSON line per item, by feedback id."""
    h = hashlib.sha256()
    for fid, text, cats, *_ in sorted(rows, key=lambda r: r[0]):
        h.update(
            json.dumps(
                {"feedback_id": fid, "labels": sorted(cats), "text": text}, ensure_ascii=False
            ).encode()
        )
        h.update(b"\n")
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def text_key(text: str) -> str:
    """What makes two texts the same one: their words, case and whitespace aside (the model lowercases)."""
    return " ".join(text.lower().split())


# -- the training set -------------------------------------------------------------------------------
@dataclass
class TrainingSet:
    texts: list[str]
    labels: list[list[str]]
    weights: np.ndarray
    real: np.ndarray
    ratings: list[int | None]
    sources: list[dict]  # for metrics.json, one per source read
    notes: list[str] = field(default_factory=list)  # sources skipped, and why
    human_holdout: list[tuple[str, str, list[str], int | None]] = field(default_factory=list)


def load_sources(
    config: TrainConfig,
    human_rows: list[tuple[str, str, list[str], int | None]] = (),
    categories: list[str] | None = None,
    exclude: Iterable[str] = (),
) -> TrainingSet:
    """Read the sources in order and build the training set (see the module docstring for the rules).

    ``human_rows`` are the store's (feedback_id, text, categories, rating): the ``human_holdout`` share of them is
    returned for the gate (``TrainingSet.human_holdout``), the rest is trained on if ``config.human``.
    ``exclude``: texts never to train on (the gate's holdout files).
    """
    categories = categories or load_taxonomy().ids
    known = set(categories)
    notes: list[str] = []
    read: list[tuple[dict, list[str], list[list[str]], list, float, bool]] = []
    for src in config.sources:
        if not src.path.is_file():
            if src.optional:
                notes.append(f"skipped optional training source {src.path} (not found)")
                continue
            raise ConfigError(
                f"training source {src.path} (from {config.where}) not found; "
                "fix the path, or mark it optional = true in [train] sources"
            )
        texts, labels, ratings = load_labelled(src.path, categories)
        record = {
            "path": str(src.path),
            "kind": src.kind,
            "weight": src.weight,
            "sha256": file_sha256(src.path),
        }
        read.append((record, texts, labels, ratings, src.weight, src.kind == "real"))
    train_rows, hold = split_human(human_rows, config.human_holdout)  # the gate's share, even with human off
    if config.human:
        record = {
            "path": HUMAN,
            "kind": "human",
            "weight": config.human_weight,
            "sha256": _rows_sha256(train_rows),
            "held_out": len(hold),
        }
        texts = [text for _, text, _, _ in train_rows]
        labels = [sorted(c for c in set(cats) if c in known) for _, _, cats, _ in train_rows]
        ratings = [rating for *_, rating in train_rows]
        read.append((record, texts, labels, ratings, config.human_weight, True))
    excluded = {text_key(t) for t in exclude} | {text_key(text) for _, text, *_ in hold}

    # text_key -> (source index, text, labels, weight, real, rating)
    rows: dict[str, tuple[int, str, list[str], float, bool, int | None]] = {}
    dropped = [0] * len(read)
    for i, (_, texts, labels, ratings, weight, real) in enumerate(read):
        for text, labs, rating in zip(texts, labels, ratings, strict=True):
            key = text_key(text)
            if key in excluded:
                dropped[i] += 1
                continue
            rows.pop(key, None)  # the last occurrence wins, and takes its place in the order
            rows[key] = (i, text, labs, weight, real, rating)
    used = [0] * len(read)
    for i, *_ in rows.values():
        used[i] += 1
    sources = []
    for i, (record, texts, *_) in enumerate(read):
        sources.append({**record, "rows": len(texts), "used": used[i], "in_holdout": dropped[i]})
    kept = list(rows.values())
    return TrainingSet(
        texts=[r[1] for r in kept],
        labels=[r[2] for r in kept],
        weights=np.array([r[3] for r in kept], dtype=float),
        real=np.array([r[4] for r in kept], dtype=bool),
        ratings=[r[5] for r in kept],
        sources=sources,
        notes=notes,
        human_holdout=hold,
    )


def train_model(
    training: TrainingSet, seed: int = 0, test: Path | None = TEST_FILE
) -> tuple[nlp_model.ComplaintModel, dict]:
    """Fit the classifier on a training set; returns the (unsaved) model and its metrics.

    Metrics: out-of-fold validation on the training set and on its real reviews alone (``validation_real``,
    what the dashboard's trust lines use: written texts are easier), the hand-written test set when present,
    and the sources. suara/promotion.py adds the gate's holdout and decision, then saves.
    """
    if len(training.texts) < MIN_TEXTS:
        raise LabelledDataError(
            f"only {len(training.texts)} texts to train on, at least {MIN_TEXTS} are needed "
            "(after skipped sources, duplicates and held-out texts); add labelled texts"
        )
    tax = load_taxonomy()
    ids = trained_categories(tax, training.labels)
    labels = [[c for c in labs if c in ids] for labs in training.labels]
    model, oof = train(
        training.texts,
        labels,
        ids,
        seed=seed,
        weights=training.weights,
        real=training.real,
        ratings=training.ratings,
    )
    decided = [[c for c, on in zip(ids, row, strict=True) if on] for row in oof]
    validation = evaluate(labels, decided, ids, tax.headline_ids)
    metrics = {
        "trained_at": utcnow().isoformat(),
        "seed": seed,
        "n_train": len(training.texts),
        "n_real": int(training.real.sum()),
        "sources": training.sources,
        "validation": validation,
        "macro_f1_headline": validation["macro_f1_headline"],
    }
    real = np.flatnonzero(training.real)  # the same decisions on the real reviews alone (see above)
    if len(real):
        metrics["validation_real"] = evaluate(
            [labels[i] for i in real], [decided[i] for i in real], ids, tax.headline_ids
        )
    if test is not None and Path(test).exists():
        metrics["test"] = evaluate_file(test, model.predict)
    return model, metrics


def trained_categories(tax, labels: list[list[str]]) -> list[str]:
    """The categories a model learns: every shipped one, and an analyst's addition (suara/taxonomy.py)
    once the training set has ``MIN_ADDED_EXAMPLES`` texts of it (fewer cannot tune its threshold)."""
    counts: dict[str, int] = {}
    for labs in labels:
        for c in labs:
            counts[c] = counts.get(c, 0) + 1
    added = set(tax.added_ids)
    return [c for c in tax.ids if c not in added or counts.get(c, 0) >= MIN_ADDED_EXAMPLES]


def describe_sources(sources: list[dict]) -> str:
    """One line for people: each source's file name, kind, weight and rows used of rows read."""
    parts = []
    for s in sources:
        name = "analysts' labels" if s["path"] == HUMAN else Path(s["path"]).name
        extra = f", {s['held_out']} held out" if s.get("held_out") else ""
        parts.append(f"{name} ({s['kind']}, weight {s['weight']:g}, {s['used']}/{s['rows']} rows{extra})")
    return "; ".join(parts)
