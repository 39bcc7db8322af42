"""Text processing, the classifier's contract, and classification through the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from nlp import model as nlp_model
from nlp import train as nlp_train
from nlp.evaluate import KeywordMatcher, evaluate
from nlp.features import TextFeatures
from nlp.text import CachedStemmer, clean, normalize_tokens, preprocess, segments, stop_words
from suara import demo
from suara.cli import app
from suara.human_labels import save_human_labels
from suara.store import Store
from suara.taxonomy import load_taxonomy
from tests.conftest import make_records

runner = CliRunner()
CATS = load_taxonomy().ids

TINY = [
    ("aplikasi error terus tidak bisa dibuka", ["app_error"]),
    ("force close setiap buka aplikasi", ["app_error"]),
    ("loading lama sekali lalu keluar sendiri", ["app_error"]),
    ("server sibuk terus dari pagi", ["app_error"]),
    ("kode otp tidak masuk ke email", ["otp_not_received"]),
    ("otp tidak pernah dikirim padahal sudah tunggu", ["otp_not_received"]),
    ("email aktivasi tidak sampai sampai", ["otp_not_received"]),
    ("kode verifikasi telat datang", ["otp_not_received"]),
    ("kuota selalu penuh tiap hari", ["quota_full"]),
    ("tidak ada jadwal kosong sama sekali", ["quota_full"]),
    ("kuota habis dalam hitungan menit", ["quota_full"]),
    ("slot antrian penuh terus", ["quota_full"]),
    ("sangat membantu terima kasih", ["praise"]),
    ("mantap prosesnya cepat", ["praise"]),
    ("bagus sekali aplikasinya", ["praise"]),
    ("keren pelayanan cepat", ["praise"]),
    ("berapa lama paspor jadi", []),
    ("tolong tambah fitur mode gelap", []),
    ("biasa saja", []),
    ("saya baru daftar kemarin", []),
    ("error terus dan kuota penuh", ["app_error", "quota_full"]),
    ("otp tidak masuk dan aplikasi force close", ["app_error", "otp_not_received"]),
]


@pytest.fixture(scope="module")
def tiny_model():
    texts = [t for t, _ in TINY] * 2
    labels = [labs for _, labs in TINY] * 2
    model, _ = nlp_train.train(texts, labels, CATS, folds=2)
    return model


def test_clean_squashes_and_strips():
    assert clean("ERRORRRR terus!!! @imigrasi #MPaspor https://x.co/abc 😡") == "error terus mpaspor"
    assert clean("tolonggg lama2 nunggu") == "tolong lama lama nunggu"
    assert clean("versi 7.3.10") == "versi"


def test_slang_normalization_is_tokenwise():
    lex = {"gk": "tidak", "udh": "sudah", "gpp": "tidak apa apa"}
    assert (
        normalize_tokens("otp gk masuk udh gpp".split(), lex) == "otp tidak masuk sudah tidak apa apa".split()
    )


def test_lexicon_covers_the_common_slang():
    from nlp.text import slang_lexicon

    lex = slang_lexicon()
    assert len(lex) >= 600
    for slang, normal in {
        "gk": "tidak",
        "ga": "tidak",
        "udh": "sudah",
        "blm": "belum",
        "yg": "yang",
        "tp": "tapi",
        "dgn": "dengan",
        "krn": "karena",
        "apk": "aplikasi",
    }.items():
        assert lex[slang] == normal


def test_stop_words_keep_complaint_words():
    stops = stop_words()
    for word in ("tidak", "belum", "bukan", "gagal", "bisa", "masuk"):
        assert word not in stops
    assert "yang" in stops and "dan" in stops


def test_stemmer_caches_and_protects_place_names():
    stem = CachedStemmer(protected=frozenset({"bekasi"}))
    assert stem("pembayaran") == "bayar"
    assert stem("bekasi") == "bekasi"
    assert stem.uncached("bekasi") == "bekas"  # what plain Sastrawi would do
    assert "pembayaran" in stem._cache
    assert preprocess("Pembayaran gk masuk2")[1].split()[0] == "bayar"


def test_thresholds_decide_per_category(tiny_model):
    scores = np.full((1, len(CATS)), 0.5)
    tiny_model.thresholds = np.array([0.4] + [0.6] * (len(CATS) - 1))
    assert tiny_model.decide(scores)[0].tolist() == [True] + [False] * (len(CATS) - 1)


def test_tune_thresholds_maximizes_f1():
    Y = np.array([[1], [1], [0], [0]])
    P = np.array([[0.9], [0.35], [0.3], [0.1]])
    t = nlp_train.tune_thresholds(Y, P)[0]
    assert 0.3 < t <= 0.35


def test_save_load_round_trip(tiny_model, tmp_path):
    texts = ["otp tidak masuk", "aplikasi error terus", "mantap"]
    path = nlp_model.save(tiny_model, tmp_path / tiny_model.version, {"n": 1})
    loaded = nlp_model.load(path)
    assert loaded.version == tiny_model.version and loaded.categories == CATS
    # the training words' stems travel with the model, so scoring starts without Sastrawi's first pass
    assert loaded.stems == tiny_model.stems and loaded.stems["aplikasi"] == "aplikasi"
    assert tiny_model.stems.get("membantu") == "bantu"
    np.testing.assert_allclose(loaded.scores(texts), tiny_model.scores(texts))


def test_training_is_deterministic():
    texts, labels = [t for t, _ in TINY] * 2, [labs for _, labs in TINY] * 2
    a, _ = nlp_train.train(texts, labels, CATS, folds=2, seed=3)
    b, _ = nlp_train.train(texts, labels, CATS, folds=2, seed=3)
    assert a.version == b.version
    np.testing.assert_array_equal(a.thresholds, b.thresholds)


def test_evaluate_counts_and_confusions():
    m = evaluate(
        [["app_error"], ["quota_full"], []],
        [["app_error"], ["office_unavailable"], ["praise"]],
        CATS,
        load_taxonomy().headline_ids,
    )
    assert m["per_category"]["app_error"]["f1"] == 1.0
    assert m["per_category"]["quota_full"]["recall"] == 0.0
    assert {"true": "quota_full", "predicted": "office_unavailable", "count": 1} in m["confusions"]
    assert {"true": "none", "predicted": "praise", "count": 1} in m["confusions"]


def test_keyword_baseline_matches_taxonomy_words():
    kw = KeywordMatcher.from_taxonomy(load_taxonomy())
    assert kw.predict(["Kode OTP gk masuk", "kuota penuh"]) == [["otp_not_received"], ["quota_full"]]


def _save_current(model, tmp_path, monkeypatch):
    import suara.model_files as sc

    models_dir = tmp_path / "models"
    nlp_model.save(model, models_dir / model.version, {"trained_at": "2026-01-01T00:00:00", "n_train": 44})
    monkeypatch.setattr(sc, "MODELS_DIR", models_dir)
    return models_dir


def test_predict_contract_and_bad_line(tiny_model, tmp_path, monkeypatch):
    _save_current(tiny_model, tmp_path, monkeypatch)
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, (t, _) in enumerate(TINY)))
    dst = tmp_path / "out.jsonl"
    result = runner.invoke(
        app,
        [
            "predict",
            "--in",
            str(src),
            "--out",
            str(dst),
            "--db",
            str(tmp_path / "x.duckdb"),
            "--batch-size",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in dst.read_text().splitlines()]
    assert [r["id"] for r in rows] == list(range(len(TINY)))
    assert set(rows[0]) == {"id", "labels", "scores"} and set(rows[0]["scores"]) == set(CATS)
    assert "app_error" in rows[0]["labels"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\n{"id": 2}\n')
    out2 = tmp_path / "out2.jsonl"
    result = runner.invoke(
        app, ["predict", "--in", str(bad), "--out", str(out2), "--db", str(tmp_path / "x.duckdb")]
    )
    assert result.exit_code == 1 and "line 2" in result.output
    assert not out2.exists()


def test_predict_with_workers_keeps_order_and_equals_one_process(tiny_model, tmp_path):
    from nlp.predict import PredictInputError, predict_stream

    src = tmp_path / "in.jsonl"
    lines = [{"id": f"t{i}", "text": t, "rating": 1 + i % 5} for i, (t, _) in enumerate(TINY * 20)]
    src.write_text("".join(json.dumps(x) + "\n" for x in lines))
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert predict_stream(tiny_model, src, one, batch_size=7, workers=1) == len(lines)
    assert predict_stream(tiny_model, src, two, batch_size=7, workers=2) == len(lines)
    assert one.read_text() == two.read_text()
    assert [json.loads(x)["id"] for x in two.read_text().splitlines()] == [x["id"] for x in lines]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(src.read_text() + '{"id": "x"}\n')
    with pytest.raises(PredictInputError, match=f"line {len(lines) + 1}"):
        predict_stream(tiny_model, bad, tmp_path / "out.jsonl", batch_size=7, workers=2)
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "out.jsonl.partial").exists()


def test_classify_is_idempotent_and_relabels_changed_text(tiny_model, tmp_path, monkeypatch, db_path):
    _save_current(tiny_model, tmp_path, monkeypatch)
    recs = make_records(30, text="kode otp tidak masuk {i}")
    with Store(db_path) as s:
        s.upsert_feedback(recs)
    first = runner.invoke(app, ["classify", "--db", str(db_path), "--batch-size", "7"])
    assert first.exit_code == 0, first.output
    assert "classified 30 items" in first.output
    second = runner.invoke(app, ["classify", "--db", str(db_path)])
    assert "classified 0 items" in second.output
    recs[0]["text"] = "aplikasi error terus force close"
    with Store(db_path) as s:
        s.upsert_feedback(recs)
        save_human_labels(s, [("play_store:r1", ["praise"], "analis")])
    third = runner.invoke(app, ["classify", "--db", str(db_path)])
    assert "classified 1 items" in third.output
    with Store(db_path) as s:
        labels = dict(
            s.con.execute(
                "SELECT feedback_id, list(category ORDER BY category) FROM effective_labels GROUP BY 1"
            ).fetchall()
        )
        assert s.con.execute("SELECT count(*) FROM classifications").fetchone()[0] == 30
    assert "app_error" in labels["play_store:r0"]
    assert labels["play_store:r1"] == ["praise"]  # the analyst's decision wins over the model
    assert labels["play_store:r2"] == ["otp_not_received"]


def test_classify_without_a_model(tmp_path, monkeypatch, db_path):
    import suara.model_files as sc

    monkeypatch.setattr(sc, "MODELS_DIR", tmp_path / "empty")
    result = runner.invoke(app, ["classify", "--db", str(db_path), "--if-model"])
    assert result.exit_code == 0 and "skipping classification" in result.output
    result = runner.invoke(app, ["classify", "--db", str(db_path)])
    assert result.exit_code == 2 and "suara train" in result.output


def test_place_names_share_one_token_but_ordinary_words_stay():
    from nlp.text import PLACE_TOKEN

    norm, words = preprocess("kantor terdekat cuma di Timika dan Surabaya, malang nasib saya")
    assert norm.split().count(PLACE_TOKEN) == 2
    assert "malang" in norm.split()


def test_word_flags_are_scaled_by_word_weight():
    docs = [segments(t) for t, _ in TINY]
    full = TextFeatures(word_weight=1.0).fit(docs)
    half = TextFeatures(word_weight=0.5).fit(docs)
    n_words = len(full.word_terms)
    a, b = full.transform(docs).whole, half.transform(docs).whole
    np.testing.assert_allclose(b[:, :n_words].toarray(), 0.5 * a[:, :n_words].toarray())
    np.testing.assert_allclose(b[:, n_words:].toarray(), a[:, n_words:].toarray())


def test_character_features_equal_scikit_learns():
    """The memoized char n-grams give scikit-learn's "char_wb" TF-IDF, number for number."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [rec["text"] for rec in demo.generate(600, seed=11)] + [
        "",
        "a",
        "ok  ok",
        "tolong!!",
        "Satu. Dua tiga",
        "",
        "!!!",
    ]
    docs = [segments(t) for t in texts]
    norm = [" ".join(tok for tokens, _ in doc for tok in tokens) for doc in docs]
    feats = TextFeatures(char_max_features=10**9).fit(docs[:300])
    vec = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=False, min_df=2
    )
    vec.fit(norm[:300])
    assert feats.char_terms == vec.get_feature_names_out().tolist()
    got = feats.transform(docs, sentences=False).whole[:, len(feats.word_terms) :]
    np.testing.assert_allclose(got.toarray(), vec.transform(norm).toarray(), rtol=1e-5, atol=1e-6)


def test_one_pass_gives_the_text_and_its_sentences():
    text = "Aplikasi bagus... tapi kode OTP tidak masuk! ok\nkuota penuh terus; ya"
    parts = segments(text)
    assert [tokens for tokens, _ in parts] == [
        ["aplikasi", "bagus"], ["tapi", "kode", "otp", "tidak", "masuk"], ["oke"], ["kuota", "penuh", "terus"], ["ya"]
    ]  # fmt: skip
    assert preprocess(text)[0] == " ".join(t for tokens, _ in parts for t in tokens)
    # a URL or an e-mail address is no sentence end
    assert len(segments("buka www.imigrasi.go.id lalu kirim ke a.b@c.co.id")) == 1


def test_sentences_split_at_punctuation_and_drop_fragments():
    from nlp.text import sentences

    text = "Aplikasi bagus... tapi kode otp tidak masuk! ok\nkuota penuh terus; ya"
    assert sentences(text) == ["Aplikasi bagus", "tapi kode otp tidak masuk", "kuota penuh terus"]
    assert sentences("satu kalimat saja") == ["satu kalimat saja"]


def test_scores_move_toward_the_best_sentence(tiny_model):
    rant = (
        "saya baru daftar kemarin untuk urus paspor anak. biasa saja tampilannya. "
        "kode otp tidak masuk ke email. tolong tambah fitur mode gelap"
    )
    docs = [segments(rant)]
    rows = tiny_model.features.transform(docs)
    assert rows.sentences.shape[0] == 4 and rows.owner.tolist() == [0, 0, 0, 0]
    sig = nlp_model.sigmoid
    whole = sig(rows.whole @ tiny_model.coef + tiny_model.intercept)[0]
    parts = sig(rows.sentences @ tiny_model.coef + tiny_model.intercept)
    best = np.maximum(whole, parts.max(axis=0))
    got = tiny_model.first_stage(docs)[0]
    np.testing.assert_allclose(got, whole + 0.7 * (best - whole), rtol=1e-5)
    otp = CATS.index("otp_not_received")
    assert got[otp] > whole[otp]
    # one sentence: the plain probability
    one = [segments("kode otp tidak masuk ke email")]
    r1 = tiny_model.features.transform(one)
    np.testing.assert_allclose(
        tiny_model.first_stage(one), sig(r1.whole @ tiny_model.coef + tiny_model.intercept)
    )


def test_a_model_in_the_old_format_is_refused_clearly(tiny_model, tmp_path):
    path = nlp_model.save(tiny_model, tmp_path / tiny_model.version, {"n": 1})
    meta_file = path / nlp_model.META_FILE
    meta = json.loads(meta_file.read_text())
    del meta["format"]
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="older format.*suara train"):
        nlp_model.load(path)


def test_praise_is_not_given_to_a_plain_one_star_complaint():
    """Real reviews teach the second stage that the star rating matters: "mudah" in a 1-star rant is no praise."""
    written = [
        ("aplikasi sangat membantu dan mudah", ["praise"]),
        ("mantap pelayanan cepat terima kasih", ["praise"]),
        ("aplikasi bagus memudahkan", ["praise"]),
        ("error terus tidak bisa dibuka", ["app_error"]),
        ("kuota selalu penuh", ["quota_full"]),
        ("kode otp tidak masuk", ["otp_not_received"]),
    ] * 4
    real = []
    for i in range(30):  # sincere praise, 5 stars
        real.append((f"prosesnya mudah dan cepat, terima kasih imigrasi {i}", ["praise"], 5))
        real.append((f"katanya mudah tapi ribet, kaga lancar sama sekali {i}", [], 1))
        real.append((f"katanya memudahkan tapi error terus waktu daftar {i}", ["app_error"], 1))
    texts = [t for t, _ in written] + [t for t, _, _ in real]
    labels = [lab for _, lab in written] + [lab for _, lab, _ in real]
    ratings = [None] * len(written) + [r for *_, r in real]
    is_real = [False] * len(written) + [True] * len(real)
    model, _ = nlp_train.train(texts, labels, CATS, real=is_real, ratings=ratings)
    assert model.stacked[CATS.index("praise")]
    complaint = ["katanya mudah tapi engga bagus, ribet dan kaga lancar"]
    assert "praise" not in model.predict(complaint, [1])[0]
    assert "praise" in model.predict(["prosesnya mudah dan cepat sekali, terima kasih"], [5])[0]


def test_weights_and_kinds_change_the_version():
    texts, labels = [t for t, _ in TINY] * 2, [labs for _, labs in TINY] * 2
    plain, _ = nlp_train.train(texts, labels, CATS, folds=2)
    heavy, _ = nlp_train.train(texts, labels, CATS, folds=2, weights=np.full(len(texts), 3.0))
    real, _ = nlp_train.train(texts, labels, CATS, folds=2, real=np.ones(len(texts), bool))
    assert len({plain.version, heavy.version, real.version}) == 3


def test_macro_f1_interval_holds_the_figure_and_narrows_with_more_texts():
    from nlp.compare import macro_f1_interval

    gold = [["app_error"], ["quota_full"], [], ["app_error", "praise"], ["praise"]] * 8
    pred = [["app_error"], [], ["praise"], ["app_error"], ["praise"]] * 8
    cats = ["app_error", "quota_full", "praise"]
    point = evaluate(gold, pred, cats, cats)["macro_f1"]
    low, high = macro_f1_interval(gold, pred, cats)
    assert low < point < high
    assert macro_f1_interval(gold, pred, cats) == (low, high)  # seeded
    wide_low, wide_high = macro_f1_interval(gold[:10], pred[:10], cats)
    assert wide_high - wide_low > high - low
    assert macro_f1_interval(gold, gold, cats) == (1.0, 1.0)
