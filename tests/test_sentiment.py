"""Sentiment: the pure model (fit, predict, determinism, save/load), `suara sentiment train`, classify
writing it for every text (tweets included), and the shipped model on the real labelled reviews."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from nlp import sentiment as S
from suara.classify import REAL_DEV_FILE
from suara.cli import app
from suara.store import Store
from tests.conftest import make_records
from tests.test_nlp import _save_current, tiny_model  # noqa: F401  (a fixture)

runner = CliRunner()

NEG = [
    "aplikasi error terus tidak bisa dibuka",
    "kode otp tidak masuk sudah seminggu",
    "kuota selalu penuh kecewa sekali",
    "jelek lambat sering force close",
    "pembayaran gagal uang hilang parah",
    "susah daftar server sibuk terus",
]
POS = [
    "sangat membantu terima kasih",
    "mantap prosesnya cepat sekali",
    "bagus aplikasinya mudah dipakai",
    "keren pelayanan ramah dan cepat",
    "puas sekali paspor cepat jadi",
    "aplikasi bagus sangat mudah",
]


def pairs(n: int = 4):
    """Rated texts: each round's complaints at 1-2 stars, praise at 4-5, and three 3-star texts."""
    texts, ratings = [], []
    for i in range(n):
        texts += [f"{t} {i}" for t in NEG + POS]
        ratings += [1 + i % 2] * len(NEG) + [5 - i % 2] * len(POS)
    return texts + ["biasa saja"] * 3, ratings + [3, 3, 3]


def test_star_mapping():
    assert [S.star_label(r) for r in (1, 2, 3, 4, 5, None, "x", 0)] == [0, 0, None, 1, 1, None, None, None]


def test_fit_predicts_from_text_alone_and_is_deterministic():
    texts, ratings = pairs()
    a = S.fit(texts, ratings)
    b = S.fit(texts, ratings)
    assert a.model_id == b.model_id and np.array_equal(a.coef, b.coef) and a.intercept == b.intercept
    assert a.metrics["n_skipped"] == 3  # the 3-star texts are not fitted on
    assert a.predict(["error terus kecewa", "mantap sangat membantu"]) == ["negatif", "positif"]
    # the band turns an unsure score into "netral"
    assert a.labels_of(np.array([0.1, 0.5, 0.9])) == ["negatif", "netral", "positif"]
    other = S.fit(texts[:-5], ratings[:-5])
    assert other.model_id != a.model_id
    assert S.fit(texts, ratings, band=(0.4, 0.6)).model_id != a.model_id  # new settings: rescored


def test_text_sentiment_gives_the_model_scores_across_calls_and_a_full_memo(monkeypatch):
    from suara import sentiment as store_sentiment

    model = S.fit(*pairs())
    monkeypatch.setattr(store_sentiment, "MEMO_MAX", 5)
    scorer = store_sentiment.TextSentiment(model)
    calls = [NEG[:3] + NEG[:3], NEG[:4] + POS[:3], POS + ["x" * 300], NEG[2:] + POS[:1] + NEG[2:]]
    for texts in calls:  # repeats within a call, texts seen before, the memo overflowing, a long text
        assert np.allclose(scorer.scores(texts), model.scores(texts))
    assert len(scorer._memo) <= 5 + len(set(calls[-1]))


def test_too_few_rated_texts_is_a_clear_error():
    with pytest.raises(S.SentimentError, match="4-5"):
        S.fit(NEG, [1] * len(NEG))


def test_save_load_round_trip_and_damage(tmp_path):
    texts, ratings = pairs()
    model = S.fit(texts, ratings)
    S.save(model, tmp_path, {"note": "x"})
    back = S.load(tmp_path)
    probe = ["error terus", "bagus sekali", "saya baru daftar"]
    assert np.allclose(back.scores(probe), model.scores(probe)) and back.model_id == model.model_id
    assert json.loads((tmp_path / S.META_FILE).read_text())["metrics"]["note"] == "x"
    (tmp_path / S.ARRAYS_FILE).write_bytes(b"not a zip")
    with pytest.raises(S.SentimentError, match="damaged"):
        S.load(tmp_path)
    with pytest.raises(S.SentimentError, match="no sentiment model"):
        S.load(tmp_path / "nowhere")


def _with_sentiment(tiny_model, tmp_path, monkeypatch):  # noqa: F811
    models_dir = _save_current(tiny_model, tmp_path, monkeypatch)
    texts, ratings = pairs()
    S.save(S.fit(texts, ratings), models_dir / tiny_model.version)
    return models_dir


def test_classify_writes_sentiment_for_every_text(tiny_model, tmp_path, monkeypatch, db_path):  # noqa: F811
    _with_sentiment(tiny_model, tmp_path, monkeypatch)
    recs = make_records(10, text="aplikasi error terus kecewa {i}")
    recs += make_records(5, source="twitter", text="mantap sangat membantu {i}")
    for r in recs[10:]:
        r["rating"] = None
    with Store(db_path) as s:
        s.upsert_feedback(recs)
    result = runner.invoke(app, ["classify", "--db", str(db_path), "--batch-size", "4"])
    assert result.exit_code == 0, result.output
    with Store(db_path) as s:
        rows = dict(
            s.con.execute(
                "SELECT f.source, list(DISTINCT s.sentiment) FROM feedback f "
                "JOIN feedback_sentiment s ON s.feedback_id = f.id GROUP BY 1"
            ).fetchall()
        )
        assert s.con.execute("SELECT count(*) FROM feedback_sentiment").fetchone()[0] == 15
    assert rows == {"play_store": ["negatif"], "twitter": ["positif"]}  # tweets, without stars, too
    # a changed text is scored again with its new content
    recs[0]["text"] = "mantap bagus sangat membantu"
    with Store(db_path) as s:
        s.upsert_feedback(recs)
    runner.invoke(app, ["classify", "--db", str(db_path)])
    with Store(db_path) as s:
        assert s.con.execute(
            "SELECT sentiment FROM feedback_sentiment WHERE feedback_id = 'play_store:r0'"
        ).fetchone() == ("positif",)
        # its old score replaced (found by row number), not kept beside the new one
        assert s.con.execute("SELECT count(*) FROM feedback_sentiment").fetchone()[0] == 15


def test_sentiment_added_later_is_caught_up(tiny_model, tmp_path, monkeypatch, db_path):  # noqa: F811
    models_dir = _save_current(tiny_model, tmp_path, monkeypatch)
    with Store(db_path) as s:
        s.upsert_feedback(make_records(6))
    runner.invoke(app, ["classify", "--db", str(db_path)])
    with Store(db_path) as s:
        assert s.con.execute("SELECT count(*) FROM feedback_sentiment").fetchone()[0] == 0
    texts, ratings = pairs()
    S.save(S.fit(texts, ratings), models_dir / tiny_model.version)
    result = runner.invoke(app, ["classify", "--db", str(db_path)])
    assert "classified 0 items" in result.output
    with Store(db_path) as s:
        assert s.con.execute("SELECT count(*) FROM feedback_sentiment").fetchone()[0] == 6


def test_pending_work_counts_both_and_the_catch_up_runs_only_when_needed(
    tiny_model,  # noqa: F811  (the fixture imported above)
    tmp_path,
    monkeypatch,
    db_path,  # noqa: F811
):
    """One scan says how many rows to classify and how many need a sentiment only; classify skips its
    catch-up scan when none does, and runs it when some do, beside new rows."""
    from suara import sentiment as store_sentiment
    from suara.classify import pending_work

    def counts(work):
        return work.to_classify, work.sentiment_only

    models_dir = _with_sentiment(tiny_model, tmp_path, monkeypatch)
    model, sentiment = tiny_model, S.load(models_dir / tiny_model.version)
    with Store(db_path) as s:
        s.upsert_feedback(make_records(6))
        assert counts(pending_work(s, model, sentiment)) == (6, 0)
        assert counts(pending_work(s, model)) == (6, 0)
    calls = []
    real = store_sentiment.score_pending
    monkeypatch.setattr(store_sentiment, "score_pending", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert runner.invoke(app, ["classify", "--db", str(db_path)]).exit_code == 0
    assert calls == []  # every row classified got its sentiment: no catch-up scan
    with Store(db_path) as s:
        assert counts(pending_work(s, model, sentiment)) == (0, 0)
        s.con.execute(
            "DELETE FROM feedback_sentiment WHERE feedback_id IN ('play_store:r1', 'play_store:r4')"
        )
        s.upsert_feedback(make_records(9)[6:])
        assert counts(pending_work(s, model, sentiment)) == (3, 2)
    result = runner.invoke(app, ["classify", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert calls == [1]
    with Store(db_path) as s:
        assert first(s, "SELECT count(*) FROM feedback_sentiment") == 9
        assert counts(pending_work(s, model, sentiment)) == (0, 0)


def first(store: Store, sql: str):
    return store.con.execute(sql).fetchall()[0][0]


def test_sentiment_train_from_the_store_and_from_a_file(tiny_model, tmp_path, monkeypatch, db_path):  # noqa: F811
    import suara.sentiment as ss

    models_dir = _save_current(tiny_model, tmp_path, monkeypatch)
    monkeypatch.setattr(ss, "MIN_RATED", 20)
    texts, ratings = pairs()
    recs = [
        {**r, "text": t, "rating": rating}
        for r, t, rating in zip(make_records(len(texts)), texts, ratings, strict=True)
    ]
    with Store(db_path) as s:
        s.upsert_feedback(recs[:5])
    few = runner.invoke(app, ["sentiment", "train", "--db", str(db_path), "--models-dir", str(models_dir)])
    assert few.exit_code == 1 and "at least 20" in few.output
    with Store(db_path) as s:
        s.upsert_feedback(recs)
    ok = runner.invoke(app, ["sentiment", "train", "--db", str(db_path), "--models-dir", str(models_dir)])
    assert ok.exit_code == 0, ok.output
    assert S.exists(models_dir / tiny_model.version) and "3-star left out" in ok.output
    data = tmp_path / "rated.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": str(i), "text": t, "rating": r}) + "\n"
            for i, (t, r) in enumerate(zip(texts, ratings, strict=True))
        )
    )
    held = tmp_path / "held.jsonl"
    held.write_text(json.dumps({"id": "0", "text": "x", "labels": []}) + "\n")
    ok = runner.invoke(
        app,
        [
            "sentiment",
            "train",
            "--db",
            str(db_path),
            "--models-dir",
            str(models_dir),
            "--data",
            str(data),
            "--exclude",
            str(held),
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert S.load(models_dir / tiny_model.version).metrics["excluded"] == 1
    data.write_text('{"text": "ok", "rating": 9}\n')
    bad = runner.invoke(
        app,
        ["sentiment", "train", "--db", str(db_path), "--models-dir", str(models_dir), "--data", str(data)],
    )
    assert bad.exit_code == 1 and "rated.jsonl:1" in bad.output and "1-5" in bad.output


def test_retrained_model_keeps_the_sentiment_model(tmp_path):
    texts, ratings = pairs()
    S.save(S.fit(texts, ratings), tmp_path / "old")
    (tmp_path / "new").mkdir()
    assert S.carry_over(tmp_path / "old", tmp_path / "new") and S.exists(tmp_path / "new")
    assert not S.carry_over(None, tmp_path / "new") and not S.carry_over(tmp_path / "new", tmp_path / "new")


@pytest.mark.real
@pytest.mark.skipif(not REAL_DEV_FILE.exists(), reason="../shared/real is not beside this checkout")
def test_shipped_sentiment_on_real_praise_and_complaints():
    """The shipped model was fitted on the dump less both labelled sets' ids (its sentiment.json says
    so); here it reads only the dev set's texts, never their ratings."""
    from suara.model_files import resolve_model_dir

    model = S.load(resolve_model_dir(None))
    rows = [json.loads(line) for line in REAL_DEV_FILE.read_text(encoding="utf-8").splitlines() if line]
    pred = model.predict([r["text"] for r in rows])
    praise = [p for p, r in zip(pred, rows, strict=True) if r["labels"] == ["praise"]]
    complaint = [p for p, r in zip(pred, rows, strict=True) if r["labels"] and "praise" not in r["labels"]]
    assert praise.count("positif") / len(praise) >= 0.7
    assert complaint.count("negatif") / len(complaint) >= 0.9


def test_nightly_scores_sentiment_and_catches_up(tmp_path, tiny_model):  # noqa: F811
    """The nightly job classifies with the sentiment model beside the complaint model; a sentiment
    model added later is caught up on even when no text is new."""
    from suara.nightly import run_nightly
    from tests.test_nightly import new_db, records, replay_task

    model_dir = tmp_path / "models" / tiny_model.version
    from nlp import model as nlp_model

    nlp_model.save(tiny_model, model_dir, {"trained_at": "2026-01-01T00:00:00", "n_train": 44})
    s = new_db(tmp_path, model_dir)
    r = run_nightly(s, sources=[replay_task(records(0, 6))], keep_backups=0, models_dir=tmp_path / "models")
    assert r.classified == 6
    with Store(s.db_path) as store:
        assert store.con.execute("SELECT count(*) FROM feedback_sentiment").fetchone()[0] == 0
    texts, ratings = pairs()
    S.save(S.fit(texts, ratings), model_dir)
    again = run_nightly(s, sources=[], keep_backups=0, models_dir=tmp_path / "models")
    assert again.step("classify").status == "success"
    with Store(s.db_path) as store:
        assert store.con.execute("SELECT count(*) FROM feedback_sentiment").fetchone()[0] == 6
