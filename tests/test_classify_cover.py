"""A classify run's cover (suara/classify.py, ``Cover``): after a finished run, the next one scans only the
rows stamped since; anything the cover is not about (another model, another schema, a clock stepped back,
a damaged record) scans every row. Real runs of ``run_classify`` on a DuckDB file, a real tiny model."""

from __future__ import annotations

import json
from datetime import timedelta

from suara.classify import Cover, run_classify
from suara.store import Store, utcnow
from tests import test_nightly
from tests.test_nightly import new_db, query, records

tiny_model = test_nightly.tiny_model


def run(db, tiny_model) -> int:
    return run_classify(lambda: Store(db), models_dir=tiny_model.parent).pending


def recorded(db) -> dict:
    return json.loads(
        query(db, "SELECT value FROM source_state WHERE source = 'classify' AND key = 'covered'")[0][0]
    )


def set_cover(db, **change) -> None:
    value = json.dumps(recorded(db) | change)
    with Store(db) as store:
        store.set_state(*Cover.KEY, value)


def test_the_next_run_reads_only_the_rows_written_since_and_misses_none_of_them(tmp_path, tiny_model):
    db = new_db(tmp_path, tiny_model, n=20).db_path
    assert run(db, tiny_model) == 20
    cover = recorded(db)
    assert cover["model"] == tiny_model.name and cover["sentiment"] is None
    assert cover["through"] <= utcnow().isoformat()
    edited = dict(records(0, 1)[0], text="kode otp tidak pernah masuk ke email")
    with Store(db) as store:
        store.upsert_feedback(records(20, 3) + [edited])  # three new rows and an edited one
    assert run(db, tiny_model) == 4
    assert run(db, tiny_model) == 0
    assert query(
        db, "SELECT count(*) FROM feedback f ANTI JOIN classifications c ON c.feedback_id = f.id"
    ) == [(0,)]


def test_a_row_stamped_before_the_cover_is_outside_the_scan_until_the_cover_does_not_hold(
    tmp_path, tiny_model
):
    db = new_db(tmp_path, tiny_model, n=5).db_path
    assert run(db, tiny_model) == 5

    def stale_row(k: int) -> None:  # an edit stamped an hour back: no writer does this (suara/store.py,
        with Store(db) as store:  # STAMP_MARGIN); here it shows what the scan reads
            store.upsert_feedback(
                [dict(records(0, 1)[0], text=f"edit {k}")], now=utcnow() - timedelta(hours=1)
            )

    stale_row(0)
    assert run(db, tiny_model) == 0  # the scan read only the rows stamped since the cover
    for k, change in enumerate(
        (
            {"model": "another-model"},
            {"schema": 1},
            {"sentiment": "another-sentiment"},
            {"through": (utcnow() + timedelta(hours=1)).isoformat()},  # the clock is now before the cover
            {"through": "not a time"},
        ),
        start=1,
    ):
        set_cover(db, **change)
        assert run(db, tiny_model) == 1, change  # every row scanned: the stale row is found
        assert run(db, tiny_model) == 0
        stale_row(k)
