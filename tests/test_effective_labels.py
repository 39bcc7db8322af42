"""The materialised ``effective_labels`` table equals the view it replaced (migration 2's definition: an
analyst's labels where one decided, else the model's) after every kind of write: a first classification,
analysts' decisions (a set, "no category", a changed mind), edited texts classified again, and a
retrained model classifying everything anew; and a file upgraded from the previous schema version gets
the table filled from its labels."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import numpy as np
import pytest

from nlp.model import load
from suara.classify import classify_pending
from suara.config import MODELS_DIR
from suara.human_labels import save_human_labels
from suara.migrations import MIGRATIONS, SCHEMA_VERSION, apply_migration
from suara.model_files import ensure_registered
from suara.store import Store
from tests.test_classify_checksum import _records

MODEL_DIR = MODELS_DIR / "20261206-3d1279f3"
pytestmark = pytest.mark.skipif(not MODEL_DIR.exists(), reason="the shipped model is absent")

# migration 2's view, verbatim
VIEW = """
    SELECT l.feedback_id, l.category, l.score, l.origin, l.model_version
    FROM labels l
    WHERE l.origin = 'human'
       OR NOT EXISTS (SELECT 1 FROM human_reviews h WHERE h.feedback_id = l.feedback_id)
"""
TABLE = "SELECT feedback_id, category, score, origin, model_version FROM effective_labels"


def _same(store: Store) -> int:
    table = sorted(store.con.execute(TABLE).fetchall(), key=repr)
    view = sorted(store.con.execute(VIEW).fetchall(), key=repr)
    assert table == view
    return len(table)


def _ids(records):
    return [f"{r['source']}:{r['native_id']}" for r in records]


def test_table_follows_every_label_write(tmp_path):
    model = load(MODEL_DIR)
    records = _records(800, seed=7)
    ids = _ids(records)
    with Store(tmp_path / "e.duckdb") as store:
        ensure_registered(store, MODEL_DIR)
        store.upsert_feedback(records, now=datetime(2025, 6, 1))
        classify_pending(store, model, batch_size=300)
        assert _same(store) > 500
        # analysts decide: a set, "no category", and later change their mind on some
        save_human_labels(
            store, [(fid, ["praise", "app_error"][: i % 3], "Rina") for i, fid in enumerate(ids[:90])]
        )
        _same(store)
        save_human_labels(store, [(fid, ["quota_full"], "Budi") for fid in ids[:90:4]])
        _same(store)
        assert (
            store.con.execute(
                "SELECT count(*) FROM effective_labels WHERE origin = 'model' AND feedback_id = ?", [ids[0]]
            ).fetchall()[0][0]
            == 0
        )
        # edited texts (some reviewed, some not) are classified again
        edited = [dict(r, text=r["text"] + ". kuota penuh terus") for r in records[::5]]
        store.upsert_feedback(edited, now=datetime(2025, 6, 2))
        assert classify_pending(store, model, batch_size=300) == len(edited)
        _same(store)
        # a retrained model (other thresholds, another version) classifies everything anew
        retrained = dataclasses.replace(
            model, version="retrained", thresholds=np.clip(model.thresholds - 0.15, 0.01, 1)
        )
        assert classify_pending(store, retrained, batch_size=250) == len(records)
        n = _same(store)
        versions = store.con.execute(
            "SELECT DISTINCT model_version FROM effective_labels WHERE origin = 'model'"
        ).fetchall()
        assert versions == [("retrained",)] and n > 0
        # a decision after the retraining still wins over the new model's labels
        save_human_labels(store, [(ids[-1], [], "Rina")])
        _same(store)
        assert (
            store.con.execute(
                "SELECT count(*) FROM effective_labels WHERE feedback_id = ?", [ids[-1]]
            ).fetchall()[0][0]
            == 0
        )


def test_upgrade_fills_the_table_from_the_labels(tmp_path):
    """A file at the previous schema version, with model labels and a review, upgraded: the table holds
    exactly what the old view showed."""
    model = load(MODEL_DIR)
    path = tmp_path / "old.duckdb"
    position = next(i for i, sql in enumerate(MIGRATIONS, start=1) if "CREATE TABLE effective_labels" in sql)
    import duckdb

    con = duckdb.connect(str(path))
    for number in range(1, position):
        apply_migration(con, number, datetime(2025, 1, 1))
    con.close()
    # write labels the old way: through the old view's world (no table yet), straight into labels
    records = _records(200, seed=3)
    ids = _ids(records)
    scores = model.scores([r["text"] for r in records])
    con = duckdb.connect(str(path))
    for fid in ids:  # the items themselves, stored as that version stored them
        source, native = fid.split(":", 1)
        con.execute(
            "INSERT INTO feedback (id, source, app_id, native_id, text, created_at, content_hash, "
            "first_seen_at, last_seen_at) VALUES (?, ?, 'mpaspor', ?, 't', '2025-01-01', 'h', "
            "'2025-01-01', '2025-01-01')",
            [fid, source, native],
        )
    for fid, row in zip(ids, model.decide(scores), strict=True):
        for c in np.nonzero(row)[0]:
            con.execute(
                "INSERT INTO labels VALUES (?, ?, 0.9, 'model', 'old', NULL, '2025-01-01')",
                [fid, model.categories[c]],
            )
    con.execute("INSERT INTO labels VALUES (?, 'praise', 1.0, 'human', NULL, 'Rina', '2025-01-02')", [ids[0]])
    con.execute("INSERT INTO human_reviews VALUES (?, 'Rina', '2025-01-02')", [ids[0]])
    con.execute("INSERT INTO human_reviews VALUES (?, 'Rina', '2025-01-02')", [ids[1]])
    before = sorted(con.execute(TABLE).fetchall(), key=repr)  # the view, before the upgrade
    con.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert sorted(store.con.execute(TABLE).fetchall(), key=repr) == before
        assert _same(store) == len(before) > 50
