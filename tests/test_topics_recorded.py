# ruff: noqa: F811 (topic_db and db are fixtures imported from the other topic tests)
"""The recorded path of Topik baru (issue 18): the nightly's run read back as it was found, the page
showing it with its period and time instead of discovering again, "discover again" running live, and
the category vocabularies read once per model file.

The store is tests/test_topics.py's (nine weeks ending at ``UNTIL``, the fee theme in the last one).
"""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from suara import topic_records
from suara import topics as found
from suara.config import MODELS_DIR
from suara.store import Store
from tests.test_topics import UNTIL, topic_db  # noqa: F401
from tests.test_topics_page import cards, db, page  # noqa: F401


def nightly(path) -> None:
    topic_records.nightly_step(lambda: Store(path), 5, UNTIL)


def test_the_recorded_run_reads_back_what_discovery_found(topic_db):
    nightly(topic_db)
    with duckdb.connect(str(topic_db), read_only=True) as con:
        since, until = found.default_period(found.latest(con), None)
        n, rows = found.find_topics(con, since, until, vocab=found.vocabulary(con))
        run = topic_records.recorded_run(con, since, until)
        assert run is not None and (run["since"], run["until"], run["n"]) == (since, until, n)
        assert run["ids"] == [topic_records.topic_id(since, until, r.topic.terms) for r in rows]
        for got, want in zip(run["rows"], rows, strict=True):
            assert (got.topic.terms, got.topic.size, got.topic.distinct) == (
                want.topic.terms, want.topic.size, want.topic.distinct,
            )  # fmt: skip
            assert (got.weekly, got.last_week, got.growing, got.topic.similar_to) == (
                want.weekly, want.last_week, want.growing, want.topic.similar_to,
            )  # fmt: skip
            assert got.examples == want.examples and got.newest == want.newest
        assert any(r.growing for r in run["rows"]) and any(r.topic.similar_to for r in run["rows"])
        # a period the run does not lie within has no recorded run
        assert topic_records.recorded_run(con, since + (until - since) / 2, until) is None
    with duckdb.connect(str(topic_db)) as con:  # a file from before migration 10: discovered live
        con.execute("DROP TABLE topic_runs")
        assert topic_records.recorded_run(con, since, until) is None


def test_a_decision_on_one_topic_does_not_replace_the_run(topic_db):
    nightly(topic_db)
    with Store(topic_db) as store:
        since, until = found.default_period(found.latest(store.con), None)
        run = topic_records.recorded_run(store.con, since, until)
        topic_records.record(store, run["rows"][:1], since, until)  # what a page decision records
        assert topic_records.recorded_run(store.con, since, until)["ids"] == run["ids"]
        members = store.con.execute("SELECT count(*) FROM topic_members").fetchall()[0][0]
        assert members == sum(r.topic.size for r in run["rows"])


@pytest.fixture
def counted(monkeypatch):
    """How many times the page ran discovery."""
    calls = []
    real = found.find_topics

    def find_topics(*args, **kwargs):
        calls.append(args[1:3])
        return real(*args, **kwargs)

    monkeypatch.setattr(found, "find_topics", find_topics)
    return calls


def test_the_page_shows_the_nightly_run_and_discovers_again_on_request(db, counted):
    nightly(db)
    counted.clear()  # the nightly's own discovery
    at = page(period="all")  # the open period: the newest 9 weeks, the nightly's own
    assert counted == []
    note = next(i.value for i in at.info if "penemuan malam" in i.value)
    assert "2026-01-25 – 2026-03-29" in note and "tidak termasuk" not in note
    with duckdb.connect(str(db), read_only=True) as con:
        assert cards(at) == con.execute("SELECT topic_ids FROM topic_runs").fetchall()[0][0]
    first = cards(at)[0]
    at.button(key="rediscover").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(counted) == 1 and any("Ditemukan ulang" in c.value for c in at.caption)
    assert not any("penemuan malam" in i.value for i in at.info) and cards(at)[0] == first


def test_a_longer_period_says_what_the_run_leaves_out_and_english(db, counted):
    nightly(db)
    counted.clear()
    at = page(period="365d", lang="en")
    assert counted == []
    note = next(i.value for i in at.info if "nightly run" in i.value)
    assert "texts before 2026-01-25 are not included" in note


def test_without_a_recorded_run_the_page_discovers_live_and_says_so(db, counted):
    at = page(period="all")
    assert len(counted) == 1 and any("Ditemukan sekarang" in c.value for c in at.caption)
    assert not any("penemuan malam" in i.value for i in at.info)


def test_a_decision_on_a_recorded_topic_keeps_it_and_its_members(db, monkeypatch):
    monkeypatch.setenv("SUARA_LOCAL_USER", "rina")
    nightly(db)
    at = page(period="all")
    tid = cards(at)[-1]
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute("SELECT count(*) FROM topic_members WHERE topic_id = ?", [tid]).fetchall()
    at.button(key=f"dismiss_{tid}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status FROM topics WHERE topic_id = ?", [tid]).fetchall() == [
            ("dismissed",)
        ]
        after = con.execute("SELECT count(*) FROM topic_members WHERE topic_id = ?", [tid]).fetchall()
    assert before == after and before[0][0] > 0 and tid not in cards(at)


def test_the_vocabulary_is_read_once_per_model_file(tmp_path, monkeypatch):
    from suara import model_files
    from suara.model_files import resolve_model_dir

    model = shutil.copytree(resolve_model_dir(None, None, MODELS_DIR), tmp_path / "m1")
    loads = []
    real = model_files.load_model
    monkeypatch.setattr(model_files, "load_model", lambda p: loads.append(p) or real(p))
    first = found.model_vocabulary(model)
    assert found.model_vocabulary(model) is first and len(loads) == 1
    npz = model / "model.npz"
    stat = npz.stat()
    os.utime(npz, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # the model was replaced
    again = found.model_vocabulary(model)
    assert len(loads) == 2 and again == first and again is not first
    npz.unlink()
    with pytest.raises(model_files.NoModel):
        found.model_vocabulary(model)
