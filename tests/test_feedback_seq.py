"""``feedback.seq`` (migrations 11 and 12): every item numbered once in the order it was stored, and the
tables the pages join with the feedback (effective_labels, classifications, feedback_sentiment) carrying
the number of their item after every kind of write, and after an upgrade of a file that had none."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from nlp import sentiment as nlp_sentiment
from nlp.model import load
from suara.classify import classify_pending, pending_work
from suara.config import MODELS_DIR
from suara.human_labels import save_human_labels
from suara.migrations import MIGRATIONS, SCHEMA_VERSION, SEQ_CARRIERS, apply_migration
from suara.model_files import ensure_registered
from suara.sentiment import score_pending
from suara.store import Store
from tests.test_classify_checksum import _records

MODEL_DIR = MODELS_DIR / "20261206-3d1279f3"
CHILDREN = SEQ_CARRIERS


def _mismatches(con) -> dict[str, tuple[int, int]]:
    """Per child table: (rows, rows whose feedback_seq is not their item's seq or whose item is missing)."""
    out = {}
    for table in CHILDREN:
        out[table] = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE f.seq IS DISTINCT FROM t.feedback_seq) "
            f"FROM {table} t LEFT JOIN feedback f ON f.id = t.feedback_id"
        ).fetchall()[0]
    return out


def _numbered_in_storage_order(con) -> bool:
    n, distinct, ascending = con.execute(
        "SELECT count(*), count(DISTINCT seq), coalesce(bool_and(seq > prev), true) FROM "
        "(SELECT seq, lag(seq, 1, 0) OVER (ORDER BY rowid) AS prev FROM feedback)"
    ).fetchall()[0]
    return n == distinct and ascending


@pytest.mark.skipif(not MODEL_DIR.exists(), reason="the shipped model is absent")
def test_every_writer_carries_the_items_number(tmp_path):
    model = load(MODEL_DIR)
    feeling = nlp_sentiment.load(MODEL_DIR)
    records = _records(400, seed=5)
    ids = [f"{r['source']}:{r['native_id']}" for r in records]
    with Store(tmp_path / "s.duckdb") as store:
        ensure_registered(store, MODEL_DIR)
        store.upsert_feedback(records[:300], now=datetime(2025, 6, 1))
        classify_pending(store, model, batch_size=120, sentiment=feeling)  # the streaming cursor
        store.upsert_feedback(records[300:], now=datetime(2025, 6, 2))
        work = pending_work(store, model, feeling, batch_size=500)
        assert work.rows is not None and len(work.rows[0]) == 100
        classify_pending(store, model, sentiment=feeling, pending=work)  # a night's rows, read by id
        save_human_labels(
            store, [(fid, ["praise", "app_error"][: i % 3], "Rina") for i, fid in enumerate(ids[:40])]
        )
        edited = [dict(r, text=r["text"] + " lagi dan lagi") for r in records[:50]]
        store.upsert_feedback(edited, now=datetime(2025, 6, 3))
        classify_pending(store, model, batch_size=120, sentiment=feeling)  # edited texts again
        store.con.execute(
            "DELETE FROM feedback_sentiment WHERE feedback_id IN (SELECT id FROM feedback LIMIT 30)"
        )
        assert score_pending(store, feeling, batch_size=7) == 30  # the sentiment catch-up
        got = _mismatches(store.con)
        assert _numbered_in_storage_order(store.con)
    assert got["classifications"] == (400, 0) and got["feedback_sentiment"] == (400, 0)
    rows, wrong = got["effective_labels"]
    assert rows > 200 and wrong == 0


def test_upgrade_numbers_the_stored_items_and_their_rows(tmp_path):
    path = tmp_path / "v10.duckdb"
    con = duckdb.connect(str(path))
    for number in range(1, 11):
        apply_migration(con, number, datetime(2025, 1, 1))
    ids = [f"play_store:r{i}" for i in (3, 1, 2)]  # stored in this order, not the ids' order
    for fid in ids:
        con.execute(
            "INSERT INTO feedback (id, source, app_id, native_id, text, created_at, content_hash, "
            "first_seen_at, last_seen_at) VALUES (?, 'play_store', 'mpaspor', ?, 't', '2025-01-01', 'h', "
            "'2025-01-01', '2025-01-01')",
            [fid, fid.split(":")[1]],
        )
    for fid in [*ids, "play_store:gone"]:  # the last one's item is not stored
        con.execute("INSERT INTO classifications VALUES (?, 'm', 'h', 0.5, '2025-01-01')", [fid])
        con.execute("INSERT INTO effective_labels VALUES (?, 'app_error', 0.9, 'model', 'm')", [fid])
        con.execute(
            "INSERT INTO feedback_sentiment VALUES (?, 'negatif', 0.1, 's', 'h', '2025-01-01')", [fid]
        )
    con.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
        assert store.con.execute("SELECT id, seq FROM feedback ORDER BY seq").fetchall() == [
            ("play_store:r3", 1),
            ("play_store:r1", 2),
            ("play_store:r2", 3),
        ]
        assert _mismatches(store.con) == {t: (3, 0) for t in CHILDREN}  # the orphans dropped
        store.upsert_feedback(
            [
                {
                    "source": "play_store",
                    "app_id": "mpaspor",
                    "native_id": "new",
                    "text": "baru",
                    "created_at": "2025-02-01T00:00:00Z",
                }
            ]
        )
        assert store.con.execute("SELECT seq FROM feedback WHERE native_id = 'new'").fetchall() == [(4,)]
        with pytest.raises(duckdb.ConstraintException):  # a writer that forgot the number fails
            store.con.execute(
                "INSERT INTO effective_labels (feedback_id, category, score, origin, model_version) "
                "VALUES ('play_store:new', 'praise', 1.0, 'human', NULL)"
            )
