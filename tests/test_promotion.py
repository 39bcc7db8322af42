"""The promotion gate: the paired bootstrap (nlp/compare.py), the rule, and the gate through `suara train`
and `suara nightly --retrain` on real DuckDB files (a worse model is refused and kept aside, --force
promotes it, a better one is promoted, the nightly records its decision).

Training sets are hand-written: slices of data/labels/ copied to tmp_path, and a copy of one with its
labels shuffled for the deliberately bad model. Each fit takes a few seconds.
"""

from __future__ import annotations

import json
import logging
import random
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp import model as nlp_model
from nlp import train as nlp_train
from nlp.compare import Comparison, Difference, compare
from nlp.evaluate import evaluate
from suara.cli import app
from suara.config import MPASPOR, Settings
from suara.human_labels import save_human_labels
from suara.logs import reset_logging
from suara.model_files import resolve_model_dir
from suara.nightly import run_nightly
from suara.promotion import TOLERANCE, Holdout, decide, gate, retrain
from suara.store import Store
from suara.taxonomy import load_taxonomy
from suara.training import TrainConfig, TrainSource, held_out
from tests.test_training import write_labelled

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def labelled(name: str) -> list[tuple[str, list[str]]]:
    lines = (ROOT / "data" / "labels" / name).read_text(encoding="utf-8").splitlines()
    return [(r["text"], r["labels"]) for r in map(json.loads, lines)]


@pytest.fixture(scope="module")
def sets(tmp_path_factory) -> dict[str, Path]:
    """good: 200 hand-written training texts; bad: 80 of them with shuffled labels; dev: 120 test texts."""
    d = tmp_path_factory.mktemp("sets")
    rows = labelled("train.jsonl")
    random.Random(0).shuffle(rows)
    good = rows[:200]
    labels = [lab for _, lab in good[:80]]
    random.Random(1).shuffle(labels)
    return {
        "good": write_labelled(d / "good.jsonl", good),
        "bad": write_labelled(
            d / "bad.jsonl", [(t, lab) for (t, _), lab in zip(good[:80], labels, strict=True)]
        ),
        "dev": write_labelled(d / "dev.jsonl", labelled("test.jsonl")[:120]),
    }


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # liblinear's convergence chatter on tiny sets
        yield
    reset_logging()


# -- the paired bootstrap ---------------------------------------------------------------------------
CATS = ["app_error", "otp_not_received", "quota_full", "praise"]
HEAD = ["app_error", "otp_not_received", "quota_full"]


def gold_and_preds(n: int = 200, seed: int = 0):
    rng = random.Random(seed)
    gold = [[rng.choice(CATS)] for _ in range(n)]
    good = [g if rng.random() < 0.9 else [rng.choice(CATS)] for g in gold]
    poor = [g if rng.random() < 0.5 else [rng.choice(CATS)] for g in gold]
    return gold, good, poor


def test_identical_predictions_differ_by_exactly_nothing():
    gold, good, _ = gold_and_preds()
    cmp = compare(gold, good, good, CATS, HEAD)
    for d in (cmp.headline, cmp.supported):
        assert d.current == d.new and d.diff == d.low == d.high == 0.0


def test_point_estimates_are_the_evaluate_figures_and_the_interval_brackets_the_difference():
    gold, good, poor = gold_and_preds()
    cmp = compare(gold, good, poor, CATS, HEAD, resamples=500)
    assert cmp.headline.current == pytest.approx(evaluate(gold, good, CATS, HEAD)["macro_f1_headline"])
    assert cmp.headline.new == pytest.approx(evaluate(gold, poor, CATS, HEAD)["macro_f1_headline"])
    assert cmp.supported.current == pytest.approx(evaluate(gold, good, CATS, HEAD)["macro_f1"])
    d = cmp.headline
    assert d.categories == tuple(HEAD) and d.low <= d.diff <= d.high < 0  # the poor model is worse
    better = compare(gold, poor, good, CATS, HEAD, resamples=500).headline
    assert 0 < better.low <= better.diff == pytest.approx(-d.diff)


def test_the_bootstrap_is_seeded_and_narrows_with_more_texts():
    gold, good, poor = gold_and_preds(n=100)
    a = compare(gold, good, poor, CATS, HEAD, seed=3)
    assert a == compare(gold, good, poor, CATS, HEAD, seed=3)
    assert a.headline.low != compare(gold, good, poor, CATS, HEAD, seed=4).headline.low
    big = compare(*gold_and_preds(n=2000), CATS, HEAD, seed=3)
    assert big.headline.high - big.headline.low < (a.headline.high - a.headline.low) / 2


def test_only_categories_with_enough_examples_count_in_the_supported_figure():
    gold = [["app_error"]] * 30 + [["praise"]] * 4 + [[]] * 10
    pred = [["app_error"]] * 30 + [[]] * 14
    cmp = compare(gold, pred, pred, CATS, HEAD, min_support=5)
    assert cmp.supported.categories == ("app_error",) and cmp.headline.categories == ("app_error",)
    assert compare(gold, pred, pred, CATS, ["quota_full"]).headline.defined is False


# -- the rule ---------------------------------------------------------------------------------------
def comparison(diff: float, low: float, high: float) -> Comparison:
    head = Difference("headline six", tuple(HEAD), 0.80, 0.80 + diff, diff, low, high)
    return Comparison(300, head, head, 1000, 0)


@pytest.mark.parametrize(
    "diff, low, high, promoted, words",
    [
        (0.02, -0.01, 0.05, True, "not worse"),
        (0.0, -0.03, 0.03, True, "not worse"),
        (-TOLERANCE + 0.002, -0.04, 0.02, True, "not worse"),  # a small drop the interval does not rule out
        (-0.02, -0.05, 0.01, False, "drops by more than 0.01"),  # a larger drop, even if not significant
        (-0.005, -0.008, -0.001, False, "significantly worse"),  # small but certain
    ],
)
def test_the_rule_refuses_a_significant_or_a_large_drop(diff, low, high, promoted, words):
    ok, why = decide(comparison(diff, low, high))
    assert ok is promoted and words in why and "headline six" in why


# -- the gate ----------------------------------------------------------------------------------------
def tiny_model(rows, tmp_path: Path, name: str) -> Path:
    model, _ = nlp_train.train([t for t, _ in rows], [lab for _, lab in rows], load_taxonomy().ids, folds=2)
    return nlp_model.save(model, tmp_path / name / model.version, {"trained_at": "2026-01-01T00:00:00"})


def test_the_gate_promotes_without_a_current_model_or_without_held_out_texts(tmp_path):
    rows = labelled("test.jsonl")
    new = nlp_model.load(tiny_model(rows[:60], tmp_path, "new"))
    current = tiny_model(rows[60:120], tmp_path, "current")
    first = gate(new, None, Holdout(texts=["x"], gold=[["app_error"]]))
    assert (
        first.promoted and first.message == f"promoted model {new.version}: no current model to compare with"
    )
    empty = gate(new, current, Holdout())
    assert empty.promoted and empty.current == current.name and "no held-out texts" in empty.reason
    no_headline = gate(new, current, Holdout(texts=["terima kasih"], gold=[["praise"]]))
    assert no_headline.promoted and "no headline-category examples" in no_headline.reason


def cli_train(tmp_path: Path, cfg: Path, *extra: str):
    args = ["train", "--config", str(cfg), "--models-dir", str(tmp_path / "models"), *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result


def current(db: Path) -> str | None:
    with Store(db) as store:
        row = store.current_model()
    return row and row["version"]


def test_suara_train_refuses_a_worse_model_keeps_it_aside_and_force_promotes_it(tmp_path, sets):
    cfg = tmp_path / "suara.toml"
    cfg.write_text(
        f'[suara]\ndb = "suara.duckdb"\n[train]\nsources = [{{ path = "{sets["good"]}" }}]\n'
        f'holdout = ["{sets["dev"]}"]\n'
    )
    db = tmp_path / "suara.duckdb"
    good = cli_train(tmp_path, cfg)
    good_version = current(db)
    assert f"promoted model {good_version}: no current model" in good.output

    bad = cli_train(tmp_path, cfg, "--data", str(sets["bad"]))
    assert "kept model" in bad.output and "worse on holdout" in bad.output
    assert "headline six (" in bad.output and "95% CI" in bad.output  # the side-by-side table
    assert current(db) == good_version  # the current model stays
    with Store(db) as store:
        rows = dict(store.con.execute("SELECT version, is_current FROM models").fetchall())
        (message,) = store.con.execute(
            "SELECT message FROM runs WHERE job = 'train' ORDER BY run_id DESC"
        ).fetchone()
    bad_version = next(v for v in rows if v != good_version)
    assert rows == {good_version: True, bad_version: False}  # registered, not current
    assert message.startswith(f"kept model {good_version}: new model {bad_version} worse on holdout")
    promotion = json.loads((tmp_path / "models" / bad_version / "metrics.json").read_text())["metrics"][
        "promotion"
    ]
    assert promotion["promoted"] is False and promotion["current_before"] == good_version
    head = promotion["comparison"]["headline"]
    assert head["high"] < 0 or head["diff"] < -TOLERANCE
    # the newest model on disk is the refused one, but nothing falls back to it
    assert resolve_model_dir(None, models_dir=tmp_path / "models").name == good_version

    forced = cli_train(tmp_path, cfg, "--data", str(sets["bad"]), "--force")
    assert f"promoted model {bad_version}: forced (--force)" in forced.output
    assert current(db) == bad_version

    again = cli_train(tmp_path, cfg)  # the good data again: better than the (forced) bad model
    assert f"promoted model {good_version}: not worse" in again.output and current(db) == good_version


def test_the_gate_holds_out_a_share_of_the_analysts_labels(tmp_path, sets):
    db = tmp_path / "suara.duckdb"
    rows = labelled("test.jsonl")[150:230]
    recs = [
        {
            "source": "play_store",
            "native_id": f"h{i}",
            "app_id": "mpaspor",
            "text": t,
            "created_at": "2026-03-01T08:00:00Z",
        }
        for i, (t, _) in enumerate(rows)
    ]
    with Store(db) as store:
        store.upsert_feedback(recs)
        for i, (_, labels) in enumerate(rows):
            save_human_labels(store, [(f"play_store:h{i}", labels, "analis")])
    hold = [i for i in range(len(rows)) if held_out(f"play_store:h{i}", 0.2)]
    assert hold  # the hash puts some of these 80 on the gate's side

    def open_store():
        return Store(db)

    config = TrainConfig((TrainSource(sets["good"]),), holdout=())
    first = retrain(open_store, config, models_dir=tmp_path / "models", test=None)
    second = retrain(
        open_store,
        TrainConfig((TrainSource(sets["bad"]),), holdout=()),
        models_dir=tmp_path / "models",
        test=None,
    )
    assert first.metrics["holdout"] == {"n": len(hold), "files": [], "human": len(hold)}
    human = first.metrics["sources"][-1]
    assert (human["rows"], human["held_out"], human["used"]) == (
        len(rows) - len(hold),
        len(hold),
        len(rows) - len(hold),
    )
    assert second.decision.comparison.n == len(hold)  # the bad model is judged on the analysts' texts


# -- the nightly job ---------------------------------------------------------------------------------
def test_nightly_retrain_obeys_the_gate_and_records_its_decision(tmp_path, sets, caplog):
    db = tmp_path / "suara.duckdb"
    models = tmp_path / "models"
    settings = Settings(db_path=db, apps=(MPASPOR,))
    good = retrain(
        lambda: Store(db),
        TrainConfig((TrainSource(sets["good"]),), holdout=(sets["dev"],)),
        models_dir=models,
        test=None,
    )
    with Store(db) as store:
        store.upsert_feedback(
            [
                {
                    "source": "play_store",
                    "native_id": "n1",
                    "app_id": "mpaspor",
                    "text": "kode otp tidak masuk",
                    "created_at": "2026-03-01T08:00:00Z",
                }
            ]
        )
        save_human_labels(store, [("play_store:n1", ["otp_not_received"], "analis")])
    bad = TrainConfig((TrainSource(sets["bad"]),), holdout=(sets["dev"],))
    kw = {"sources": [], "retrain": True, "models_dir": models, "keep_backups": 0, "train": bad}
    with caplog.at_level(logging.INFO, logger="suara"):
        r = run_nightly(settings, **kw)
    assert r.exit_code == 0, r.failures
    step = r.step("retrain")
    assert step.status == "success" and step.message.startswith(
        f"kept model {good.version}: new model {r.retrained}"
    )
    assert r.model_version == good.version and r.retrained != good.version  # classified with the kept model
    with Store(db) as store:
        (nightly,) = store.con.execute("SELECT message FROM runs WHERE job = 'nightly'").fetchone()
        assert store.current_model()["version"] == good.version
    assert f"kept model {good.version}: new model {r.retrained} worse on holdout" in nightly
    assert any(m.startswith(f"kept model {good.version}") for m in caplog.messages)
    # the refused model was trained on these labels: no retraining every night until new labels come
    again = run_nightly(settings, **kw)
    assert again.step("retrain").status == "skipped"
