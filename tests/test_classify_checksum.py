"""`suara classify`'s output is pinned: a fixed store classified by the shipped model gives the same
labels, confidences and office mentions, byte for byte (rounded to 1e-6), as the code before the speed
work of issue 18 gave. The expected digests below were computed with that code (commit f615a49) on the
same generated store; a change that moves any label, score or office fails here.

The store is generated here, from fixed phrases and a seeded RNG (not the demo or bench generators,
which may change for their own reasons): titles, ratings, several sentences, links, e-mail addresses,
"2" plurals, stretched letters, slang, place names, WhatsApp chats with an office, duplicates, and
edits after a first classification (rows classified again).
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta

import pytest

from nlp.model import load
from suara.classify import classify_pending
from suara.config import MODELS_DIR
from suara.human_labels import save_human_labels
from suara.model_files import ensure_registered
from suara.store import Store

MODEL_DIR = MODELS_DIR / "20261206-3d1279f3"

PHRASES = [
    "aplikasi error terus",
    "force close waktu dibuka",
    "server sibuk dari pagi",
    "loading lama sekali",
    "kuota selalu penuh di kanim jaksel",
    "kuota habis terus di imigrasi bandung",
    "sudah bayar tapi status pembayaran tidak berubah",
    "kode billing kadaluarsa",
    "kode OTP tidak masuk ke email",
    "otp gk masuk2",
    "kantor imigrasi palembang tidak muncul di pilihan",
    "tidak bisa login, password salah terus",
    "akun saya terblokir",
    "mantap, sangat membantu dan cepat",
    "pelayanan ramah",
    "upload foto ktp gagal",
    "formulir tidak bisa disimpan",
    "jadwal wawancara dibatalkan sepihak",
    "petugas di kanim surabaya jutek",
    "tolonggg diperbaiki",
    "errorrr mulu",
    "lama2 males pakai aplikasi ini",
    "cek di https://imigrasi.go.id/status juga sama",
    "sudah email ke budi@example.com belum dibalas",
    "bintang satu dulu",
    "lumayan",
    "paspor sudah jadi tapi belum bisa diambil",
    "antrian di kantor medan panjang banget",
    "nggak bisa pilih tanggal",
    "update terbaru malah makin parah!!",
]
TITLES = ["", "", "", "Kecewa", "Bagus", "Tolong perbaiki", "Error"]
OFFICES = ["kanim-jakarta-selatan", "kanim-bandung", "kanim-tidak-ada"]


def _records(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1)
    out = []
    for i in range(n):
        parts = rng.sample(PHRASES, rng.randint(1, 5))
        sep = rng.choice([". ", "! ", ", ", " ", "\n", "... "])
        text = sep.join(parts)
        if i % 17 == 0:
            text = out[rng.randrange(len(out))]["text"] if out else text  # an exact duplicate text
        source = rng.choice(["play_store", "play_store", "app_store", "twitter", "whatsapp"])
        rec = {
            "source": source,
            "app_id": "mpaspor",  # the default configuration's app: every category is in its scope
            "native_id": f"n{i:05d}",
            "author": f"user{i % 50}",
            "text": text,
            "title": rng.choice(TITLES) if source == "app_store" else None,
            "rating": rng.choice([1, 1, 2, 3, 4, 5]) if source in ("play_store", "app_store") else None,
            "created_at": start + timedelta(minutes=37 * i),
        }
        if source == "whatsapp":
            rec["raw"] = json.dumps({"office": rng.choice(OFFICES)})
        out.append(rec)
    return out


def _digests(store: Store) -> dict[str, str]:
    queries = {
        "labels": "SELECT feedback_id, category, round(score, 6), origin, model_version FROM labels",
        "classifications": "SELECT feedback_id, model_version, content_hash, round(confidence, 6) "
        "FROM classifications",
        "offices": "SELECT feedback_id, office_id FROM feedback_offices",
        "effective": "SELECT feedback_id, category, round(score, 6), origin, model_version "
        "FROM effective_labels",
    }
    out = {}
    for name, sql in queries.items():
        rows = sorted(store.con.execute(sql).fetchall(), key=repr)
        out[name] = f"{len(rows)}:" + hashlib.md5(repr(rows).encode()).hexdigest()
    return out


# Computed with the code of commit f615a49 (before issue 18's classify work).
EXPECTED_FIRST = {
    "labels": "5642:393d699c4ffc9f1662b578e6c3bcb246",
    "classifications": "3000:a3e760f91dcd74102794a79af259241c",
    "offices": "1804:3649f05e0aee8a881c3a6f872648e6ab",
    "effective": "5642:393d699c4ffc9f1662b578e6c3bcb246",
}
EXPECTED_AFTER_EDITS = {
    "labels": "5592:ef3763a84278b6f2dda3f7b2fc576d26",
    "classifications": "3000:436234b6bf01f081458fbc4cedc0b65d",
    "offices": "1738:aad2224bbe25036a20f8a0403da08409",
    "effective": "5511:17c14d100279a3fb67b667d083cea71c",
}


@pytest.mark.skipif(not MODEL_DIR.exists(), reason="the shipped model is absent")
@pytest.mark.parametrize("workers", [1, 2])  # forked scoring workers write the same rows (batch_scoring.py)
def test_classify_output_is_unchanged(tmp_path, workers):
    model = load(MODEL_DIR)
    with Store(tmp_path / "c.duckdb") as store:
        ensure_registered(store, MODEL_DIR)
        records = _records(3000, seed=18)
        store.upsert_feedback(records, now=datetime(2025, 6, 1))
        assert classify_pending(store, model, batch_size=700, workers=workers) == 3000
        first = _digests(store)
        # An analyst decides some items; some texts are edited and classified again, some lose all labels.
        decided = [f"{r['source']}:{r['native_id']}" for r in records[:300:7]]
        save_human_labels(
            store, [(fid, ["praise"] if j % 3 else [], "Rina") for j, fid in enumerate(decided)]
        )
        edited = []
        for rec in records[::11]:
            rec = dict(
                rec, text="lumayan" if int(rec["native_id"][1:]) % 2 else rec["text"] + ". otp tidak masuk"
            )
            edited.append(rec)
        changed = store.upsert_feedback(edited, now=datetime(2025, 6, 2)).updated
        assert changed > 200
        assert classify_pending(store, model, batch_size=700, workers=workers) == changed
        after = _digests(store)
    assert first == EXPECTED_FIRST
    assert after == EXPECTED_AFTER_EDITS
