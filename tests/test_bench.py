"""The benchmark harness end to end at a tiny size: every stage runs through the same code as `make bench`.

No timing is asserted (this machine's speed is not the test's business); what must hold is that every
stage ran for real, produced its row, and that the table and results.json came out.
"""

from __future__ import annotations

import json

import pytest

from bench import corpus as C
from bench import lengths as L
from bench.__main__ import main
from bench.predict import check_output, write_real_input
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
        "--sizes", str(SIZE), "--base", str(BASE), "--new-items", "100", "--nights", "1", "--repeats", "2", "--naive-rows", "200",
        "--stem-texts", "500", "--models-dir", str(models_dir), "--corpus-dir", str(tmp_path / "corpus"),
        "--out", str(out), "--stages", "quality,import,parse,predict,stem,classify,overview,report,nightly",
    ])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    results = json.loads(out.read_text(encoding="utf-8"))
    quality = [r for r in results["rows"] if r["stage"] == "quality"]
    real = [r for r in results["rows"] if r["stage"] == "predict_real"]
    rows = [r for r in results["rows"] if r["stage"] not in ("quality", "predict_real")]
    # measured once: the hand-written test set always, the real reviews where ../shared/real is present
    assert len(quality) == 2 and quality[0]["status"] == "ok" and quality[0]["size"] > 500
    assert 0 <= quality[0]["value"] <= 1 and 0 < quality[0]["naive"] <= 1
    assert quality[1]["status"] in ("ok", "skipped")
    assert len(real) == 1 and real[0]["status"] == ("ok" if L.REAL_FILE.exists() else "skipped")
    assert [r for r in rows if r["status"] != "ok"] == []
    got = {(r["stage"], r["size"]) for r in rows}
    expected = {(stage, SIZE) for stage in (
        "import", "reimport", "parse", "predict", "predict_inproc", "stem", "classify", "classify_inc", "overview",
        "overview_all", "report", "nightly",
    )} | {("nightly", BASE)}  # fmt: skip
    assert got == expected
    for r in rows:
        assert r["value"] > 0 and r["rss_mb"] > 0, r
    by_stage = {r["stage"]: r for r in rows if r["size"] == SIZE}
    assert by_stage["import"]["ratio"] > 0 and by_stage["import"]["ok"] in (True, False)
    assert by_stage["nightly"]["vs"].startswith("same run on 1k rows")
    measured_real = [r for r in real if r["status"] == "ok"]  # skipped where ../shared is absent
    for r in [by_stage["predict"], *measured_real]:  # the whole `suara predict` process, checked line by line
        assert r["note"].startswith(f"{SIZE:,} texts, mean ") and r["target"].startswith(">= 10,000 texts/s")
        assert r["cpu"] > 0 and r["ok"] in (True, False)
    assert by_stage["predict_inproc"]["note"].startswith(f"{SIZE:,} texts")
    assert set(results["machine"]) >= {"cores", "memory_gb", "cpu_model"}
    assert set(results["versions"]) >= {"python", "duckdb", "sklearn", "streamlit"}
    assert results["date"] and results["wall_seconds"] > 0
    for label in ("bulk import", "replayed Play + App Store pages", "suara predict", "stemming", "suara classify",
                  "dashboard overview", "suara nightly"):  # fmt: skip
        assert label in printed
    assert list((tmp_path / "corpus").glob(f"feedback-{SIZE}-seed42-*.jsonl")), "the corpus is cached"
    assert list((tmp_path / "corpus").glob(f"predict-reallen-{SIZE}-seed42-*.jsonl")), (
        "so are predict's texts"
    )
    assert not (tmp_path / "corpus" / "work").exists(), "work databases are removed"


def test_real_length_texts_follow_the_recorded_distribution():
    """Lengths at the recorded percentiles and sentence counts in the recorded shares, within a tolerance."""
    from nlp.text import sentences

    figures = L.recorded()
    texts = ["".join(parts) for parts in L.generate(4000, seed=7)]
    lengths = sorted(len(t) for t in texts)
    for p in (5, 10, 25, 50, 75, 90, 95, 99):
        want, got = figures["length_percentiles"][p], lengths[round(p / 100 * (len(lengths) - 1))]
        assert abs(got - want) <= max(3, 0.1 * want), (p, got, want)
    mean = sum(lengths) / len(lengths)
    assert abs(mean - figures["mean_length"]) <= 0.05 * figures["mean_length"]
    recorded = [sum(col) for col in zip(*figures["sentence_histograms"], strict=True)]
    got = [0] * len(recorded)
    for t in texts:
        got[min(len(sentences(t)), L.MAX_SENTENCES)] += 1
    for k in (0, 1, 2, 3, 4):  # the share of texts with k sentences, as the model splits them
        assert abs(got[k] / len(texts) - recorded[k] / figures["n"]) < 0.02, (k, got, recorded)
    assert sum(got[5:]) / len(texts) == pytest.approx(sum(recorded[5:]) / figures["n"], abs=0.01)


def test_real_length_texts_are_deterministic_and_made_of_demo_phrases_only():
    """No real text: every text is demo phrases joined by the demo's fillers, and every phrase used is one of
    data/demo/phrases.toml (its placeholders filled)."""
    import re

    first, again, other = (list(L.generate(500, seed)) for seed in (5, 5, 6))
    assert first == again and first != other
    inside, between, _ = L.separators()
    bank = set(L.pieces())
    for parts in first:
        assert parts and len(parts) % 2 == 1
        assert set(parts[0::2]) <= bank, parts
        assert set(parts[1::2]) <= set(inside) | set(between), parts
    ph = demo.load_phrases()
    offices = "|".join(re.escape(o) for o in ph["offices"])
    templates = [p for c in ph["categories"].values() for p in c["phrases"]] + [
        *ph["generic"], *ph["openers"], *ph["closers_negative"], *ph["closers_positive"], *ph["closers_neutral"],
    ]  # fmt: skip
    pattern = re.compile(
        "|".join(
            re.escape(t).replace(r"\{office\}", f"(?:{offices})").replace(r"\{n\}", "[2-9]")
            for t in templates
        )
    )
    assert len(bank) > 250 and all(pattern.fullmatch(p) for p in bank)


def test_real_length_corpus_is_cached(tmp_path):
    path, seconds = L.ensure_corpus(50, 3, tmp_path)
    assert seconds is not None and path.name.startswith("predict-reallen-50-seed3-")
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert lines == [{"id": f"len-{i}", "text": "".join(p)} for i, p in enumerate(L.generate(50, 3))]
    assert L.ensure_corpus(50, 3, tmp_path) == (path, None)


def test_recorded_lengths_are_numbers_measured_from_the_real_reviews():
    figures = L.recorded()
    q = figures["length_percentiles"]
    assert len(q) == 101 and q == sorted(q) and q[0] >= 1
    hists = figures["sentence_histograms"]
    assert len(hists) == L.GROUPS and all(len(h) == L.MAX_SENTENCES + 1 for h in hists)
    assert sum(map(sum, hists)) == figures["n"]
    if not L.REAL_FILE.exists():
        pytest.skip(f"{L.REAL_FILE} is not here")
    assert L.measure(L.REAL_FILE) == {k: figures[k] for k in L.measure(L.REAL_FILE)}


def test_real_input_repeats_the_file_and_the_output_check_catches_a_short_one(tmp_path):
    src = tmp_path / "reviews.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": f"teks {i}", "rating": 1}) + "\n" for i in "abc"))
    dst = tmp_path / "in.jsonl"
    assert write_real_input(src, 7, dst) == 3
    got = [json.loads(x) for x in dst.read_text().splitlines()]
    assert [r["id"] for r in got] == ["a", "b", "c", "a-r1", "b-r1", "c-r1", "a-r2"]
    assert got[3] == {"id": "a-r1", "text": "teks a"}
    out = tmp_path / "out.jsonl"
    out.write_text("".join(json.dumps({"id": r["id"], "labels": []}) + "\n" for r in got))
    check_output(out, [r["id"] for r in got])
    with pytest.raises(RuntimeError, match="out of order"):
        check_output(out, [r["id"] for r in reversed(got)])
    out.write_text("".join(json.dumps({"id": r["id"]}) + "\n" for r in got[:6]))
    with pytest.raises(RuntimeError, match="6 predictions for 7 texts"):
        check_output(out, [r["id"] for r in got])


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


def test_real_cv_stage_reports_each_target(tmp_path, monkeypatch):
    """The realcv stage on small hand-written stand-ins for the real and written sets (six quick trainings)."""
    import suara.training as training
    from bench.base import Ctx
    from bench.quality import stage_realcv

    phrases = {
        "app_error": "aplikasi error terus tidak bisa dibuka",
        "otp_not_received": "kode otp tidak masuk ke email",
        "quota_full": "kuota selalu penuh tidak ada jadwal",
        "praise": "mantap sangat membantu terima kasih",
        "payment_stuck": "sudah bayar status belum berubah",
    }
    real, written = tmp_path / "real.jsonl", tmp_path / "written.jsonl"
    with real.open("w") as fh:
        for i in range(150):
            cat = list(phrases)[i % len(phrases)]
            rating = 5 if cat == "praise" else 1
            fh.write(json.dumps({"text": f"{phrases[cat]} {i}", "labels": [cat], "rating": rating}) + "\n")
    written.write_text("".join(json.dumps({"text": t, "labels": [c]}) + "\n" for c, t in phrases.items()) * 3)
    monkeypatch.setattr(training, "REAL_TRAIN_FILE", real)
    monkeypatch.setattr(training, "TRAIN_FILE", written)
    rows = stage_realcv(Ctx(size=0, seed=0, corpus="", work=str(tmp_path)))
    labels = [r["label"] for r in rows]
    assert len(rows) == 5 and all(r["status"] == "ok" for r in rows), rows
    assert "headline-six macro-F1" in labels[0] and "praise precision" in labels[2]
    assert rows[0]["target"] == ">= 0.90" and "bootstrap interval" in rows[0]["note"]
    assert all(0 <= r["value"] <= 1 for r in rows[:4]) and rows[4]["unit"] == "s"
    monkeypatch.setattr(training, "REAL_TRAIN_FILE", tmp_path / "absent.jsonl")
    assert stage_realcv(Ctx(size=0, seed=0, corpus="", work=str(tmp_path)))[0]["status"] == "skipped"
