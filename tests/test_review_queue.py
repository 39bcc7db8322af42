"""The labelling queue on a temp database: near-duplicate keys, expected-value order, group labelling."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from nlp.text import clean
from suara.human_labels import save_human_labels
from suara.migrations import MIGRATIONS
from suara.model_labels import save_model_labels
from suara.review_queue import HALF_LIFE, review_queue
from suara.store import Store, StoreError
from tests.conftest import seqs

LABELS_DIR = Path(__file__).resolve().parent.parent / "data" / "labels"


def add(store: Store, texts: dict[str, tuple[str, float | None]], day: int = 1, source: str = "play_store"):
    """Store texts by native id with a confidence (None: not classified); model label app_error on each."""
    store.upsert_feedback(
        [
            {
                "source": source,
                "native_id": nid,
                "app_id": "mpaspor",
                "text": text,
                "rating": 1,
                "created_at": f"2026-03-{day + i:02d}T08:00:00Z",
            }
            for i, (nid, (text, _)) in enumerate(texts.items())
        ]
    )
    ids = [f"{source}:{nid}" for nid, (_, conf) in texts.items() if conf is not None]
    hashes = store.known_hashes(ids)
    save_model_labels(
        store,
        pa.table(
            {
                "feedback_id": ids,
                "feedback_seq": seqs(store, ids),
                "model_version": ["v1"] * len(ids),
                "content_hash": [hashes[i] for i in ids],
                "confidence": [texts[i.split(":", 1)[1]][1] for i in ids],
            }
        ),
        pa.table(
            {
                "feedback_id": ids,
                "category": ["app_error"] * len(ids),
                "score": [0.6] * len(ids),
                "model_version": ["v1"] * len(ids),
            }
        ),
    )


def queue(store: Store, **kw):
    return review_queue(store.con, **kw)


# -- the near-duplicate key --------------------------------------------------------------------------
EDGE_CASES = [
    "Aplikasi ERROR terus!!!",
    "aplikasi error terusss",
    "lama2 nunggu2, cek https://contoh.invalid/a?b=1 atau www.contoh.invalid ya",
    "kirim ke a.b@contoh.co.id aja",
    "@budi_01 #paspor tolonggg 😡😡 123",
    "maaf  tunggu\n\tlagi",
    "👍",
    "",
]


def test_the_key_is_nlp_text_clean_in_sql(store):
    """The store's macro and nlp.text.clean agree on every hand-labelled text: one normalizer, two languages."""
    texts = list(EDGE_CASES)
    for name in ("train.jsonl", "test.jsonl"):
        with (LABELS_DIR / name).open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh]
    titles = [None] * len(texts) + ["Kecewa!!"] * 3
    texts += texts[:3]
    keys = store.con.execute(
        "SELECT near_duplicate_key(t.title, t.text) FROM (SELECT unnest($titles) AS title, unnest($texts) AS text) t",
        {"titles": titles, "texts": texts},
    ).fetchall()
    expected = [
        clean(f"{title} {text}" if title else text) or None for title, text in zip(titles, texts, strict=True)
    ]
    assert [k for (k,) in keys] == expected
    assert len(texts) > 5000


def test_upsert_keys_new_and_edited_rows(store):
    add(store, {"a": ("Aplikasi ERROR terus!!!", 0.1), "b": ("👍", 0.1)})
    keys = dict(store.con.execute("SELECT native_id, dup_key FROM feedback").fetchall())
    assert keys == {"a": "aplikasi error terus", "b": None}
    add(store, {"a": ("Kuota penuhhh", 0.1)})
    assert store.con.execute("SELECT dup_key FROM feedback WHERE native_id = 'a'").fetchall() == [
        ("kuota penuh",)
    ]


def test_migration_keys_rows_stored_before_it(db_path):
    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    for number, sql in enumerate(MIGRATIONS[:3], start=1):
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?, now())", [number])
    con.execute(
        "INSERT INTO feedback (id, source, app_id, native_id, text, title, created_at, content_hash, first_seen_at, "
        "last_seen_at) VALUES ('play_store:old', 'play_store', 'mpaspor', 'old', 'OTP gak masuk2!!', 'Parah', "
        "now(), 'h', now(), now())"
    )
    con.close()
    with Store(db_path) as s:
        assert s.con.execute("SELECT dup_key FROM feedback").fetchall() == [("parah otp gak masuk masuk",)]


# -- the order ---------------------------------------------------------------------------------------
def test_a_frequent_unsure_group_beats_a_rare_confident_text(store):
    add(
        store,
        {
            "rare": ("Pembayaran sukses tapi status belum berubah", 0.35),
            "f1": ("Aplikasi ERROR terus!!!", 0.12),
            "f2": ("aplikasi error terusss", 0.10),
            "f3": ("Aplikasi error terus 😡", 0.14),
            "unsure": ("kuota kok penuh terus ya", 0.01),
            "pair1": ("Mantap, cepat sekali", 0.40),
            "pair2": ("mantap cepat sekali!", 0.40),
        },
    )
    q = queue(store)
    assert list(q["dup_key"]) == [
        "aplikasi error terus",  # 3 texts at margin 0.10: 3 * 2^-1 = 1.5
        "kuota kok penuh terus ya",  # 1 text at 0.01: 0.93
        "mantap cepat sekali",  # 2 texts at 0.40: 2 * 2^-4 = 0.125
        "pembayaran sukses tapi status belum berubah",  # 1 text at 0.35: 0.09
    ]
    top = q.iloc[0]
    assert top["n"] == 3 and top["confidence"] == pytest.approx(0.10)
    assert top["value"] == pytest.approx(3 * 2 ** (-0.10 / HALF_LIFE))
    assert list(top["ids"]) == ["play_store:f3", "play_store:f2", "play_store:f1"]  # newest first
    assert top["id"] == "play_store:f3" and top["text"] == "Aplikasi error terus 😡"  # the newest shows
    assert list(top["categories"]) == ["app_error"]
    assert list(q["value"]) == sorted(q["value"], reverse=True)


def test_ties_go_newest_first_and_unclassified_texts_wait(store):
    add(
        store,
        {"old": ("login gagal", 0.2), "new": ("otp tidak masuk", 0.2), "raw": ("belum diklasifikasi", None)},
    )
    assert list(queue(store)["id"]) == ["play_store:new", "play_store:old"]
    random = queue(store, mode="random", seed=3)
    assert set(random["id"]) == {"play_store:new", "play_store:old", "play_store:raw"}
    assert list(queue(store, mode="random", seed=3)["id"]) == list(random["id"])  # reproducible


def test_texts_without_letters_are_not_grouped(store):
    add(store, {"a": ("👍👍", 0.1), "b": ("😡", 0.1), "c": ("5/5", 0.1)})
    q = queue(store)
    assert sorted(q["n"]) == [1, 1, 1] and q["dup_key"].isna().all()


def test_the_view_limits_the_groups(store):
    add(store, {"p1": ("Aplikasi ERROR terus!!!", 0.1), "p2": ("aplikasi error terusss", 0.1)})
    add(store, {"a1": ("aplikasi error terus", 0.1)}, source="app_store")
    assert list(queue(store)["n"]) == [3]
    only_play = queue(store, where="f.source = $source", params={"source": "play_store"})
    assert list(only_play["n"]) == [2]
    assert set(only_play.iloc[0]["ids"]) == {"play_store:p1", "play_store:p2"}
    with pytest.raises(ValueError, match="the queue's own"):
        queue(store, where="f.source = $queue_mode", params={"queue_mode": "x"})
    with pytest.raises(ValueError, match="unknown review mode"):
        queue(store, mode="best")


# -- one decision per group ----------------------------------------------------------------------------
def test_saving_once_labels_the_whole_group(store):
    add(
        store,
        {
            "f1": ("Aplikasi ERROR terus!!!", 0.1),
            "f2": ("aplikasi error terusss", 0.1),
            "other": ("kuota penuh terus", 0.05),
        },
    )
    top = queue(store).iloc[0]
    assert top["n"] == 2
    assert (
        save_human_labels(store, [(fid, ["app_error", "app_error"], "analis") for fid in top["ids"]]).labelled
        == 2
    )
    rows = store.con.execute(
        "SELECT h.feedback_id, l.category, l.created_by FROM human_reviews h "
        "LEFT JOIN labels l ON l.feedback_id = h.feedback_id AND l.origin = 'human' ORDER BY 1"
    ).fetchall()
    assert rows == [("play_store:f1", "app_error", "analis"), ("play_store:f2", "app_error", "analis")]
    assert list(queue(store)["dup_key"]) == ["kuota penuh terus"]  # the group left the queue

    # A near-duplicate arriving later is flagged with that decision and waits behind unlabelled groups.
    add(store, {"f3": ("APLIKASI ERROR TERUSSSS", 0.0)}, day=20)
    q = queue(store)
    assert list(q["dup_key"]) == ["kuota penuh terus", "aplikasi error terus"]
    assert list(q["labelled_before"]) == [False, True]
    assert q["labelled_as"].isna().iloc[0]
    assert list(q.iloc[1]["labelled_as"]) == ["app_error"]


def test_a_group_decision_replaces_earlier_ones_and_refuses_unknown_ids(store):
    add(store, {"a": ("login gagal", 0.1), "b": ("login gagal!!", 0.1)})
    save_human_labels(store, [("play_store:a", ["account_login"], "satu")])
    save_human_labels(store, [("play_store:a", [], "dua"), ("play_store:b", [], "dua")])
    assert store.con.execute("SELECT count(*) FROM labels WHERE origin = 'human'").fetchall() == [(0,)]
    assert store.con.execute("SELECT DISTINCT reviewed_by FROM human_reviews").fetchall() == [("dua",)]
    with pytest.raises(StoreError, match="play_store:nope is not in the database"):
        save_human_labels(
            store, [("play_store:a", ["praise"], "tiga"), ("play_store:nope", ["praise"], "tiga")]
        )
    assert store.con.execute("SELECT DISTINCT reviewed_by FROM human_reviews").fetchall() == [("dua",)]
