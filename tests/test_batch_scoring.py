"""Classify's batches scored in forked workers (suara/batch_scoring.py) write exactly what scoring in the
calling process writes: labels, confidences, office mentions and sentiment, over many batches and an
edit pass; and a failure inside a worker surfaces in the caller with nothing of the failed batch written."""

from __future__ import annotations

import multiprocessing as mp
from datetime import datetime

import pytest

from nlp.model import load
from suara.batch_scoring import default_workers
from suara.classify import classify_pending
from suara.model_files import ensure_registered
from suara.sentiment import load_sentiment
from suara.store import Store
from tests.test_classify_checksum import MODEL_DIR, _digests, _records

pytestmark = [
    pytest.mark.skipif(not MODEL_DIR.exists(), reason="the shipped model is absent"),
    pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="no fork on this platform"),
]

SENTIMENT = "SELECT feedback_id, sentiment, round(score, 6), model_id, content_hash FROM feedback_sentiment"


def _run(path, workers: int) -> dict:
    model, sentiment = load(MODEL_DIR), load_sentiment(MODEL_DIR)
    with Store(path) as store:
        ensure_registered(store, MODEL_DIR)
        records = _records(1500, seed=7)
        store.upsert_feedback(records, now=datetime(2025, 6, 1))
        done = classify_pending(store, model, batch_size=200, sentiment=sentiment, workers=workers)
        edited = [dict(r, text=r["text"] + ". kode otp tidak masuk") for r in records[::9]]
        store.upsert_feedback(edited, now=datetime(2025, 6, 2))
        again = classify_pending(store, model, batch_size=200, sentiment=sentiment, workers=workers)
        out = _digests(store)
        out["sentiment"] = sorted(store.con.execute(SENTIMENT).fetchall(), key=repr)
        out["counts"] = (done, again)
    return out


def test_workers_write_what_one_process_writes(tmp_path):
    serial = _run(tmp_path / "one.duckdb", 1)
    forked = _run(tmp_path / "two.duckdb", 2)
    assert serial["counts"] == (1500, 167)
    assert len(serial["sentiment"]) == 1500
    assert forked == serial


def test_a_failing_worker_stops_the_run_and_the_failed_batch_is_not_written(tmp_path, monkeypatch):
    from suara import batch_scoring

    real = batch_scoring.BatchScorer.score

    def score(self, batch):
        if any(i.endswith("n00900") for i in batch.column("id").to_pylist()):
            raise ValueError("scoring broke")
        return real(self, batch)

    monkeypatch.setattr(batch_scoring.BatchScorer, "score", score)  # inherited by the forked workers
    model = load(MODEL_DIR)
    with Store(tmp_path / "f.duckdb") as store:
        ensure_registered(store, MODEL_DIR)
        store.upsert_feedback(_records(1500, seed=7), now=datetime(2025, 6, 1))
        with pytest.raises(ValueError, match="scoring broke"):
            classify_pending(store, model, batch_size=200, workers=2)
        bad = store.con.execute(
            "SELECT count(*) FROM classifications c JOIN feedback f ON f.id = c.feedback_id "
            "WHERE f.native_id = 'n00900'"
        ).fetchall()[0][0]
        written = store.con.execute("SELECT count(*) FROM classifications").fetchall()[0][0]
        assert bad == 0
        assert written % 200 == 0 and written < 1500  # whole batches before the failure, none after it
        # the next run picks up exactly what is left, in this process
        monkeypatch.setattr(batch_scoring.BatchScorer, "score", real)
        assert classify_pending(store, model, batch_size=200) == 1500 - written


def test_default_workers_start_no_pool_for_one_batch():
    assert default_workers(800, 5000) == 1
    assert default_workers(5000, 5000) == 1
    assert default_workers(5001, 5000) == min(4, mp.cpu_count())


def _run_nightly_sized(path, by_id: bool) -> dict:
    """A store classified once, then a night's worth of new and edited rows, classified with what
    ``pending_work`` found (read by id) or by scanning for them again."""
    from suara.classify import pending_work

    model, sentiment = load(MODEL_DIR), load_sentiment(MODEL_DIR)
    with Store(path) as store:
        ensure_registered(store, MODEL_DIR)
        records = _records(1200, seed=11)
        store.upsert_feedback(records[:1000], now=datetime(2025, 6, 1))
        classify_pending(store, model, batch_size=500, sentiment=sentiment)
        edited = [dict(r, text=r["text"] + ". kantor imigrasi tidak bisa dipilih") for r in records[:1000:7]]
        store.upsert_feedback(edited + records[1000:], now=datetime(2025, 6, 2))
        store.con.execute(
            "DELETE FROM feedback_sentiment WHERE feedback_id IN (SELECT id FROM feedback LIMIT 3)"
        )
        work = pending_work(store, model, sentiment, batch_size=500)
        assert (work.to_classify, len(work.rows[0])) == (343, 343)
        assert sum(work.rows[1]) == 143  # the edited rows were classified before: their labels are replaced
        done = classify_pending(
            store, model, batch_size=500, sentiment=sentiment, pending=work if by_id else None
        )
        out = _digests(store)
        out["sentiment"] = sorted(store.con.execute(SENTIMENT).fetchall(), key=repr)
        out["done"] = done
        out["left"] = pending_work(store, model, sentiment, batch_size=500)
    return out


def test_a_nights_rows_read_by_id_are_written_as_a_scan_writes_them(tmp_path):
    scanned = _run_nightly_sized(tmp_path / "scan.duckdb", by_id=False)
    by_id = _run_nightly_sized(tmp_path / "ids.duckdb", by_id=True)
    assert by_id == scanned
    assert scanned["done"] == 343 and len(scanned["sentiment"]) == 1200
    assert (scanned["left"].to_classify, scanned["left"].sentiment_only) == (0, 0)


def test_pending_work_gives_ids_only_when_one_batch_holds_them(tmp_path):
    from suara.classify import pending_work

    model = load(MODEL_DIR)
    with Store(tmp_path / "p.duckdb") as store:
        store.upsert_feedback(_records(300, seed=3), now=datetime(2025, 6, 1))
        assert pending_work(store, model, batch_size=300).rows[0] == sorted(
            r[0] for r in store.con.execute("SELECT id FROM feedback").fetchall()
        )
        assert pending_work(store, model, batch_size=299).rows is None
        assert pending_work(store, model, batch_size=299).to_classify == 300
