"""The benchmark harness end to end at a tiny size: every stage runs through the same code as `make bench`.

No timing is asserted (this machine's speed is not the test's business); what must hold is that every
stage ran for real, produced its row, and that the table and results.json came out.
"""

from __future__ import annotations

import json

import pytest

from bench import corpus as C
from bench.__main__ import main
from nlp import model as nlp_model
from nlp import train as nlp_train
from suara import demo
from suara.taxonomy import load_taxonomy

SIZE, BASE = 2000, 1000


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    """A small model trained on generated texts with their known categories (the real training code)."""
    ids = load_taxonomy().ids
    pairs = list(demo.generate_with_truth(400, seed=3))
    texts = [rec["text"] for rec, _ in pairs]
    labels = [[c for c in cats if c in ids] for _, cats in pairs]
    model, _ = nlp_train.train(texts, labels, ids, seed=0, folds=2)
    out = tmp_path_factory.mktemp("models")
    nlp_model.save(model, out / model.version, {"trained_at": "2026-01-01T00:00:00", "n_train": len(texts)})
    return out


def test_bench_runs_every_stage_and_writes_results(tmp_path, models_dir, capsys):
    out = tmp_path / "results.json"
    code = main([
        "--sizes", str(SIZE), "--base", str(BASE), "--new-items", "100", "--repeats", "2", "--naive-rows", "200",
        "--stem-texts", "500", "--models-dir", str(models_dir), "--corpus-dir", str(tmp_path / "corpus"),
        "--out", str(out),
    ])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    results = json.loads(out.read_text(encoding="utf-8"))
    quality = [r for r in results["rows"] if r["stage"] == "quality"]
    rows = [r for r in results["rows"] if r["stage"] != "quality"]
    # measured once: the hand-written test set always, the real reviews where ../shared/real is present
    assert len(quality) == 2 and quality[0]["status"] == "ok" and quality[0]["size"] > 500
    assert 0 <= quality[0]["value"] <= 1 and 0 < quality[0]["naive"] <= 1
    assert quality[1]["status"] in ("ok", "skipped")
    assert [r for r in rows if r["status"] != "ok"] == []
    got = {(r["stage"], r["size"]) for r in rows}
    expected = {(stage, SIZE) for stage in (
        "import", "reimport", "parse", "predict", "stem", "classify", "classify_inc", "overview", "overview_all",
        "nightly",
    )} | {("nightly", BASE)}  # fmt: skip
    assert got == expected
    for r in rows:
        assert r["value"] > 0 and r["rss_mb"] > 0, r
    by_stage = {r["stage"]: r for r in rows if r["size"] == SIZE}
    assert by_stage["import"]["ratio"] > 0 and by_stage["import"]["ok"] in (True, False)
    assert by_stage["nightly"]["vs"].startswith("same run on 1k rows")
    assert set(results["machine"]) >= {"cores", "memory_gb", "cpu_model"}
    assert set(results["versions"]) >= {"python", "duckdb", "sklearn", "streamlit"}
    assert results["date"] and results["wall_seconds"] > 0
    for label in ("bulk import", "replayed Play + App Store pages", "suara predict", "stemming", "suara classify",
                  "dashboard overview", "suara nightly"):  # fmt: skip
        assert label in printed
    assert list((tmp_path / "corpus").glob(f"feedback-{SIZE}-seed42-*.jsonl")), "the corpus is cached"
    assert not (tmp_path / "corpus" / "work").exists(), "work databases are removed"


def test_replayed_pages_are_what_the_real_parsers_read():
    """The wire formats the benchmark builds parse back into the records they came from."""
    from ingest import appstore, playstore
    from suara.records import normalize

    records = C.fresh(300, 9, "t-")
    play = C.by_source(records, "play_store")
    pages = C.play_pages(play)
    parsed = [playstore.parse_page(body, number=i + 1) for i, body in enumerate(pages)]
    assert [p.cursor for p in parsed] == [f"bench-page-{i + 2}" for i in range(len(pages) - 1)] + [None]
    got = [r for p in parsed for r in p.records]
    assert [(r["native_id"], r["text"], r["rating"], r["created_at"]) for r in got] == [
        (r["native_id"], r["text"], r["rating"], normalize(r)["created_at"]) for r in play
    ]
    apple = C.by_source(records, "app_store")
    for body, chunk in zip(C.appstore_pages(apple), C.chunked(apple, C.APPSTORE_PAGE), strict=True):
        page = appstore.parse_page(body)
        assert not page.skipped
        assert [(r["native_id"], r["title"], r["created_at"]) for r in page.records] == [
            (r["native_id"], r["title"], normalize(r)["created_at"]) for r in chunk
        ]


@pytest.mark.parametrize("small_batch", [1000, 0])
def test_upsert_paths_agree(tmp_path, monkeypatch, small_batch):
    """A page-sized batch (filter on ids) and a bulk one (join) store the same thing."""
    import suara.store as store_mod

    monkeypatch.setattr(store_mod, "SMALL_BATCH", small_batch)
    records = C.fresh(40, 5, "u-")
    with store_mod.Store(tmp_path / "u.duckdb") as store:
        assert store.upsert_feedback(records).new == 40
        again = store.upsert_feedback(records)
        assert (again.new, again.updated, again.unchanged) == (0, 0, 40)
        records[0]["text"] += " (diedit)"
        records[1]["likes"] = 1234
        later = store_mod.utcnow().replace(year=2030)
        changed = store.upsert_feedback(records + C.fresh(1, 6, "v-"), now=later)
        assert (changed.new, changed.updated, changed.unchanged) == (1, 2, 38)
        con = store.con
        assert con.execute(
            "SELECT count(*), count(*) FILTER (WHERE last_seen_at = ?) FROM feedback", [later]
        ).fetchone() == (41, 41)
        assert con.execute("SELECT count(*) FROM feedback_revisions").fetchone()[0] == 1
        assert (
            con.execute("SELECT text FROM feedback WHERE native_id = ?", [records[0]["native_id"]])
            .fetchone()[0]
            .endswith("(diedit)")
        )
        assert (
            con.execute(
                "SELECT likes FROM feedback WHERE native_id = ?", [records[1]["native_id"]]
            ).fetchone()[0]
            == 1234
        )
