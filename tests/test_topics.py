"""Topic discovery (nlp/topics.py), its trend over the store (suara/topics.py) and `suara topics`.

Every text here is hand-written for these tests: three invented complaint themes, varied by
combining short phrases, plus copy-pasted rants and a category the model already knows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from nlp import topics as T
from suara.cli import app
from suara.model_labels import save_model_labels
from suara.store import Store
from suara.topics import trend
from tests.conftest import seqs

runner = CliRunner()

OPENERS = ["tolong min", "kecewa sekali", "gimana ini", "parah", "bapak ibu", "halo admin", "aduh", "mohon"]
FEE = [
    "kok ada biaya percepatan di loket",
    "diminta bayar biaya percepatan supaya cepat jadi",
    "biaya percepatan itu resmi atau pungli",
    "petugas tawarkan biaya percepatan tiga ratus ribu",
    "tidak ada info biaya percepatan di aplikasi",
]
PUZZLE = [
    "captcha puzzle geser tidak pernah pas",
    "puzzle captcha gagal terus padahal sudah digeser",
    "captcha gambar puzzle muncul ulang terus",
    "tidak bisa lewat captcha puzzle sama sekali",
    "puzzle captcha susah diselesaikan di hp kecil",
]
DEED = [
    "disuruh bawa akta kelahiran asli ke kantor",
    "akta kelahiran ditolak padahal sudah legalisir",
    "petugas minta akta kelahiran orang tua juga",
    "akta kelahiran lama tidak diterima petugas",
    "syarat akta kelahiran tidak ada di aplikasi",
]
OTP = [
    "kode otp tidak masuk ke email",
    "otp tidak dikirim sudah tunggu lama",
    "kode otp sms tidak pernah sampai",
    "minta kirim ulang kode otp tetap tidak masuk",
    "otp email tidak diterima",
]


def themed(phrases: list[str], n: int, offset: int = 0) -> list[str]:
    """n distinct texts: an opener, one of the theme's phrases and a number that makes it unique."""
    return [
        f"{OPENERS[(i + offset) % len(OPENERS)]} {phrases[(i * 3 + offset) % len(phrases)]} "
        f"{['sudah', 'lagi', 'terus', 'kemarin', 'hari ini', 'minggu ini'][i % 6]}"
        for i in range(n)
    ]


def corpus() -> tuple[list[str], list[int]]:
    texts, theme = [], []
    for k, phrases in enumerate((FEE, PUZZLE, DEED)):
        chunk = themed(phrases, 30, offset=k)
        texts += chunk
        theme += [k] * len(chunk)
    rant = "APLIKASI SAMPAH!!! captcha puzzle gak jelas"
    texts += [rant] * 40 + ["aplikasi sampahhh captcha puzzle gak jelas"] * 5  # copy-pasted: one text
    theme += [1] * 45
    return texts, theme


# -- nlp/topics.py --------------------------------------------------------------------------------
def test_three_invented_themes_become_three_topics_named_by_their_words():
    texts, theme = corpus()
    topics = T.discover(texts, k=3, seed=0)
    assert len(topics) == 3
    named = {}
    for t in topics:
        majority = max(set(theme[i] for i in t.members), key=[theme[i] for i in t.members].count)
        purity = sum(theme[i] == majority for i in t.members) / t.size
        assert purity >= 0.9, (t.terms, purity)
        named[majority] = t
    assert set(named) == {0, 1, 2}
    assert {"biaya", "biaya cepat"} & set(named[0].terms[:3]), named[0].terms  # percepatan -> cepat
    assert {"captcha", "puzzle", "puzzle captcha", "captcha puzzle"} & set(named[1].terms[:3]), named[1].terms
    assert {"akta", "lahir", "akta lahir"} & set(named[2].terms[:3]), named[2].terms
    # examples are texts of the topic itself
    for t in topics:
        assert set(t.examples) <= set(t.members) and t.examples


def test_near_duplicates_count_once_for_naming_but_every_copy_is_in_the_size():
    texts, theme = corpus()
    puzzle = next(t for t in T.discover(texts, k=3, seed=0) if 1 in {theme[i] for i in t.members})
    assert puzzle.size == puzzle.distinct + 44  # 45 copies of one rant, counted once as distinct
    assert "sampah" not in puzzle.terms[:3]  # forty copies do not name the topic
    assert len([e for e in puzzle.examples if "SAMPAH" in texts[e]]) <= 1


def test_same_texts_and_seed_give_the_same_topics():
    texts, _ = corpus()
    assert T.discover(texts, k=3, seed=7) == T.discover(list(texts), k=3, seed=7)


def test_the_density_method_finds_the_themes_without_k():
    texts, theme = corpus()
    topics = T.discover(texts, method="hdbscan")
    majorities = {
        max(set(theme[i] for i in t.members), key=[theme[i] for i in t.members].count) for t in topics
    }
    assert majorities == {0, 1, 2}


def test_too_few_texts_give_no_topic_and_an_unknown_method_is_refused():
    assert T.discover(["aplikasi error", "aplikasi error", "", "👍"]) == []
    with pytest.raises(ValueError, match="unknown method"):
        T.discover(["a b"] * 10, method="lda")


def test_ctfidf_ranks_a_term_shared_by_every_group_below_a_distinct_one():
    groups = [
        [["layan", "antre"], ["layan", "antre"], ["layan"]],
        [["layan", "captcha"], ["layan", "captcha"], ["captcha"]],
    ]
    (first, second) = T.ctfidf(groups, n_terms=2)
    assert first[0][0] == "antre" and second[0][0] == "captcha"
    assert dict(first)["layan"] < dict(first)["antre"]


def test_a_topic_with_a_categorys_words_is_mirip_that_category():
    vocab = {"otp_not_received": {"otp": 2.0, "kode otp": 1.5, "kirim": 0.5}, "quota_full": {"kuota": 2.0}}
    assert T.similar_category({"otp": 0.3, "kode otp": 0.2, "masuk": 0.1}, vocab)[0] == "otp_not_received"
    name, sim = T.similar_category({"captcha": 0.3, "puzzle": 0.2}, vocab)
    assert name is None and sim == 0


def test_coherence_prefers_topics_whose_terms_occur_together():
    texts, _ = corpus()
    good = T.discover(texts, k=3, seed=0)
    shuffled = [
        T.Topic(
            id=i,
            terms=tuple(x.terms[0] for x in good),
            weights=(),
            size=1,
            distinct=1,
            members=(),
            examples=(),
        )
        for i in range(1)
    ]
    assert T.coherence(good, texts) > T.coherence(shuffled, texts)


# -- the trend: the alerts' test over a topic's own past ---------------------------------------
UNTIL = datetime(2026, 3, 30)
SINCE = UNTIL - timedelta(days=63)


def _times(per_week: list[int]) -> list[datetime]:
    """Texts spread over each week, oldest week first."""
    out = []
    for w, n in enumerate(per_week):
        start = SINCE + timedelta(days=7 * w)
        out += [start + timedelta(hours=1 + i * 160 / max(n, 1)) for i in range(n)]
    return out


def test_a_topic_that_appears_this_week_is_growing_and_a_steady_one_is_not():
    weeks, last, expected, threshold, tested, growing = trend(_times([0] * 8 + [12]), SINCE, UNTIL, 5)
    assert weeks == (0,) * 8 + (12,) and last == 12 and tested and growing and expected == 0
    steady = trend(_times([3] * 9), SINCE, UNTIL, 5)
    assert steady[1] == 3 and steady[4] and not steady[5]
    doubled = trend(_times([6] * 8 + [12]), SINCE, UNTIL, 5)
    assert not doubled[5]  # twice the usual is within what a noisy past allows (99.9%)
    few = trend(_times([0] * 8 + [4]), SINCE, UNTIL, 5)
    assert not few[5]  # below [alerts] min_count


def test_a_short_period_has_no_test():
    since = UNTIL - timedelta(days=10)
    *_, tested, growing = trend([UNTIL - timedelta(days=1)] * 30, since, UNTIL, 5)
    assert not tested and not growing


# -- `suara topics` over a real store -----------------------------------------------------------
def _record(i: int, text: str, when: datetime) -> dict:
    return {
        "source": "play_store",
        "native_id": f"t{i}",
        "app_id": "mpaspor",
        "author": f"Pengguna {i}",
        "text": text,
        "rating": 1,
        "app_version": "7.3.10",
        "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@pytest.fixture
def topic_db(tmp_path):
    """Nine weeks: the fee theme only in the last one (with phone numbers), puzzle and deed texts every
    week, OTP texts the model was unsure of, and confidently labelled texts that must stay out."""
    db = tmp_path / "suara.duckdb"
    recs, labelled, unsure = [], [], []
    puzzle, deed, otp = themed(PUZZLE, 36), themed(DEED, 36, 1), themed(OTP, 27, 2)
    for w in range(9):
        start = SINCE + timedelta(days=7 * w)
        week = [*puzzle[4 * w : 4 * w + 4], *deed[4 * w : 4 * w + 4]]
        for j, text in enumerate(week):
            recs.append(_record(len(recs), text, start + timedelta(hours=3 + 17 * j)))
        for j, text in enumerate(otp[3 * w : 3 * w + 3]):
            unsure.append(f"play_store:t{len(recs)}")
            recs.append(_record(len(recs), text, start + timedelta(hours=5 + 23 * j)))
        for j in range(3):
            labelled.append(f"play_store:t{len(recs)}")
            recs.append(
                _record(len(recs), f"antrean kuota penuh terus {w} {j}", start + timedelta(hours=9 + j))
            )
    for j, text in enumerate(themed(FEE, 14)):
        recs.append(
            _record(len(recs), f"{text} hubungi 0812-3456-{j:04d}", UNTIL - timedelta(hours=3 + 11 * j))
        )
    with Store(db) as store:
        store.upsert_feedback(recs)
        ids = [f"play_store:{r['native_id']}" for r in recs]
        hashes = store.known_hashes(ids)
        conf = {i: 0.4 for i in ids} | {i: 0.01 for i in unsure}
        save_model_labels(
            store,
            pa.table(
                {
                    "feedback_id": ids,
                    "feedback_seq": seqs(store, ids),
                    "model_version": ["m1"] * len(ids),
                    "content_hash": [hashes[i] for i in ids],
                    "confidence": [conf[i] for i in ids],
                }
            ),
            pa.table(
                {
                    "feedback_id": labelled + unsure,
                    "category": ["quota_full"] * len(labelled) + ["otp_not_received"] * len(unsure),
                    "score": [0.9] * len(labelled) + [0.52] * len(unsure),
                    "model_version": ["m1"] * (len(labelled) + len(unsure)),
                }
            ),
        )
    return db


def test_suara_topics_flags_the_new_theme_masks_examples_and_leaves_named_complaints_out(topic_db, tmp_path):
    empty_models = tmp_path / "models"
    empty_models.mkdir()
    res = runner.invoke(app, ["topics", "--db", str(topic_db), "--k", "4", "--models-dir", str(empty_models)])
    assert res.exit_code == 0, res.output
    out = res.output
    assert (
        "4 topics over" in out and "of 113 uncategorised texts" in out
    )  # 36 + 36 + 27 + 14; 27 labelled out
    heads = [line for line in out.splitlines() if line.startswith("#")]
    assert len(heads) == 4
    assert "biaya" in heads[0] and "[naik]" in heads[0]  # growing first
    assert sum("[naik]" in h for h in heads) == 1
    assert "0812" not in out and "[TELEPON]" in out
    assert "antrean" not in out and "kuota" not in out
    assert "'mirip kategori' not checked" in out


def test_suara_topics_names_a_theme_the_shipped_model_knows_as_mirip(topic_db):
    res = runner.invoke(app, ["topics", "--db", str(topic_db), "--k", "4"])
    assert res.exit_code == 0, res.output
    heads = [line for line in res.output.splitlines() if line.startswith("#")]
    otp_line = next(line for line in heads if "otp" in line)
    assert "mirip kategori Kode verifikasi/OTP" in otp_line, otp_line
    fee_line = next(line for line in heads if "biaya" in line)
    assert "mirip" not in fee_line


def test_suara_topics_refuses_bad_options_in_one_line(topic_db, tmp_path):
    res = runner.invoke(app, ["topics", "--db", str(topic_db), "--k", "1"])
    assert res.exit_code == 1 and "--k 1" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["topics", "--db", str(topic_db), "--since", "2030-01-01"])
    assert res.exit_code == 1 and "after the newest feedback" in res.output
    res = runner.invoke(app, ["topics", "--db", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 2 and "does not exist" in res.output


def test_a_row_dated_9999_does_not_move_the_period(topic_db, tmp_path):
    import duckdb

    con = duckdb.connect(str(topic_db))
    con.execute(
        "INSERT INTO feedback SELECT * REPLACE ('play_store:far' AS id, 'far' AS native_id, "
        "TIMESTAMP '9999-12-31 00:00:00' AS created_at, nextval('feedback_seq') AS seq) FROM feedback LIMIT 1"
    )
    con.close()
    empty_models = tmp_path / "models"
    empty_models.mkdir()
    res = runner.invoke(app, ["topics", "--db", str(topic_db), "--k", "4", "--models-dir", str(empty_models)])
    assert res.exit_code == 0, res.output
    assert "2026-01-25 .. 2026-03-29" in res.output
    assert "[naik]" in next(line for line in res.output.splitlines() if line.startswith("#"))
