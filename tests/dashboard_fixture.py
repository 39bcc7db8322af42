"""A small Suara database for the dashboard tests, built through the real Store.

Twenty weeks of M-Paspor feedback ending on LAST_DAY, three texts a day (enough for weekly shares),
from three sources and three releases (5.2.0 makes app errors jump, and praise too: good news, not a jump), model labels with scores and confidences, office mentions, a registered
model, analysts' corrections, runs and alerts. The newest texts carry NIK numbers, so every page
that shows texts has personal data to mask.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa

from suara.human_labels import save_human_labels
from suara.model_labels import save_model_labels
from suara.store import Store
from tests.conftest import seqs

LAST_DAY = datetime(2025, 3, 30)
NIKS = ("3201234567890123", "3174 0512 3456 7890")  # as people write them: plain and grouped
FORMULA_ID = "app_store:n0002"  # records()[2]
NIK_DIGITS = tuple(n.replace(" ", "") for n in NIKS)
MODEL = "2025.03.01-test"
ANALYST = "Rina (analis)"

# (text, categories, office)
TEMPLATES = [
    ("Aplikasi error terus, force close waktu dibuka", ["app_error"], None),
    ("Server sibuk terus dari pagi, loading lama sekali", ["app_error"], None),
    ("Kuota selalu penuh di kanim jaksel, tiap hari coba", ["quota_full"], "kanim-jakarta-selatan"),
    ("Kuota habis terus di imigrasi bandung", ["quota_full"], "kanim-bandung"),
    ("Sudah bayar tapi status pembayaran tidak berubah", ["payment_stuck"], None),
    ("Kode OTP tidak masuk ke email", ["otp_not_received"], None),
    ("Kantor imigrasi palembang tidak muncul di pilihan", ["office_unavailable"], "kanim-palembang"),
    ("Tidak bisa login, password salah terus", ["account_login"], None),
    ("Mantap, sangat membantu dan cepat", ["praise"], None),
    ("Error saat upload foto, kuota juga penuh", ["app_error", "upload_form", "quota_full"], None),
    ("lumayan", [], None),
]
SOURCES = ("play_store", "play_store", "app_store", "twitter")


def version_at(day: datetime) -> str:
    age = (LAST_DAY - day).days
    return "5.2.0" if age < 35 else "5.1.0" if age < 84 else "5.0.0"


def records() -> list[dict]:
    rng = random.Random(7)
    recs = []
    for i in range(3 * 140):
        day = LAST_DAY - timedelta(days=i // 3, hours=rng.randrange(0, 20))
        text, cats, office = TEMPLATES[rng.randrange(len(TEMPLATES))]
        if version_at(day) == "5.2.0":  # the release that broke things, and was praised for its looks
            r = rng.random()
            if r < 0.6:
                text, cats, office = TEMPLATES[0]
            elif r < 0.8:
                text, cats, office = TEMPLATES[8]
        source = SOURCES[i % len(SOURCES)]
        recs.append(
            {
                "source": source,
                "app_id": "mpaspor",
                "native_id": f"n{i:04d}",
                "text": f"{text} ({i})",
                "rating": (1 if cats and cats != ["praise"] else 5) if source != "twitter" else None,
                "likes": rng.choice((0, 0, 0, 1, 2, 7, 40)),
                "app_version": version_at(day) if source != "twitter" else None,
                "created_at": day.isoformat(),
                "url": f"https://play.google.com/store/apps/details?id=x&reviewId=n{i:04d}"
                if source == "play_store"
                else None,
                "_cats": cats,
                "_office": office,
            }
        )
    # The newest texts carry personal data; they top every list of texts.
    recs[0].update(
        text=f"Kanim jaksel: aplikasi error, NIK saya {NIKS[0]} tidak terdeteksi, kuota penuh",
        _cats=["app_error", "nik_not_detected", "quota_full"],
        _office="kanim-jakarta-selatan",
    )
    recs[1].update(
        text=f"nik {NIKS[1]} ditolak terus, error, hubungi 081234567890",
        _cats=["app_error", "nik_not_detected"],
        _office=None,
    )
    recs[2].update(
        text='=HYPERLINK("http://contoh.invalid") aplikasi error terus', _cats=["app_error"]
    )  # a formula
    return recs


def build(path: Path) -> Path:
    recs = records()
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in recs]
    ids = [f"{r['source']}:{r['native_id']}" for r in recs]
    with Store(path) as store:
        store.upsert_feedback(clean)
        hashes = store.known_hashes(ids)
        store.register_model(
            MODEL,
            "data/models/test",
            {"macro_f1_headline": 0.87, "per_category": {"app_error": {"f1": 0.9}}},
            500,
        )
        store.con.execute("UPDATE models SET created_at = created_at - INTERVAL 1 DAY")  # trained yesterday
        classified = pa.table(
            {
                "feedback_id": ids,
                "feedback_seq": seqs(store, ids),
                "model_version": [MODEL] * len(ids),
                "content_hash": [hashes[i] for i in ids],
                "confidence": [0.01 + 0.005 * k for k in range(len(ids))],  # the newest is the least sure
            }
        )
        label_rows = [(fid, c) for fid, r in zip(ids, recs, strict=True) for c in r["_cats"]]
        labels = pa.table(
            {
                "feedback_id": [fid for fid, _ in label_rows],
                "category": [c for _, c in label_rows],
                "score": [0.8] * len(label_rows),
                "model_version": [MODEL] * len(label_rows),
            }
        )
        office_rows = [(fid, r["_office"]) for fid, r in zip(ids, recs, strict=True) if r["_office"]]
        offices = pa.table(
            {"feedback_id": [f for f, _ in office_rows], "office_id": [o for _, o in office_rows]}
        )
        save_model_labels(store, classified, labels, offices)
        # An analyst decided two items: one was not a complaint at all, one was a payment problem.
        save_human_labels(store, [(ids[5], [], ANALYST), (ids[6], ["payment_stuck"], ANALYST)])
        ok = store.start_run("collect", "play_store", "mpaspor")
        store.finish_run(ok, "success", fetched=60, new=50, updated=2)
        bad = store.start_run("nightly", None, "mpaspor")
        store.finish_run(bad, "failed", message=f"classify failed on text with NIK {NIKS[0]}", errors=1)
        store.con.execute(
            "INSERT INTO alerts VALUES (?, 'spike_week', 'mpaspor', 'app_error', '5.2.0', ?, ?, 30, 8, 20, ?, ?, NULL)",
            [
                "a1",
                LAST_DAY - timedelta(days=6),
                LAST_DAY + timedelta(days=1),
                "Gangguan sistem naik: 30 teks minggu ini, biasanya 8",
                LAST_DAY + timedelta(hours=2),
            ],
        )
        store.con.execute(
            "INSERT INTO alerts VALUES (?, 'spike_day', 'mpaspor', 'quota_full', NULL, ?, ?, 9, 2, 6, ?, ?, NULL)",
            [
                "a2",
                LAST_DAY - timedelta(days=40),
                LAST_DAY - timedelta(days=39),
                "Kuota penuh melonjak",
                LAST_DAY - timedelta(days=39),
            ],
        )
    return path
