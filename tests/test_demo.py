"""The synthetic demo corpus: deterministic, schema-valid, and telling the stories the README promises."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import date

import pytest

from suara import demo, demo_apps
from suara.records import FIELDS, normalize

N, SEED = 6000, 42
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@pytest.fixture(scope="module")
def rows() -> list[tuple[dict, tuple[str, ...]]]:
    return list(demo.generate_with_truth(N, SEED))


@pytest.fixture(scope="module")
def records(rows) -> list[dict]:
    return [r for r, _ in rows]


def test_same_seed_same_output_and_different_seed_differs():
    first = list(demo.generate(500, 7))
    assert first == list(demo.generate(500, 7))
    assert first != list(demo.generate(500, 8))


def test_committed_file_is_what_generate_produces():
    """data/demo/feedback.jsonl never drifts from the code: regenerate it with `python -m suara.demo`."""
    committed = demo.DEFAULT_OUT.read_text(encoding="utf-8")
    assert committed == "".join(map(demo.to_line, demo_apps.corpus(N, SEED))), (
        "data/demo/feedback.jsonl is stale: run python -m suara.demo --n 6000 --seed 42"
    )


def test_every_field_matches_the_schema(records):
    assert len(records) == N
    for rec in records:
        assert set(rec) == set(FIELDS) - {"raw"}
        normalize(rec)  # the import rules accept it
        src = rec["source"]
        assert src in ("play_store", "app_store", "twitter")
        assert rec["app_id"] == "mpaspor" and rec["lang"] == "id" and rec["country"] == "id"
        assert isinstance(rec["native_id"], str) and rec["native_id"]
        assert isinstance(rec["author"], str) and rec["author"]
        assert isinstance(rec["text"], str) and rec["text"].strip()
        assert STAMP.match(rec["created_at"])
        assert isinstance(rec["likes"], int) and rec["likes"] >= 0
        assert (rec["title"] is not None) == (src == "app_store")
        if src == "twitter":
            assert rec["rating"] is None and rec["app_version"] is None and rec["reply_text"] is None
            assert rec["url"] == f"https://x.com/{rec['author']}/status/{rec['native_id']}"
        else:
            assert rec["rating"] in (1, 2, 3, 4, 5)
            assert rec["app_version"] is None or re.fullmatch(r"\d+\.\d+\.\d+", rec["app_version"])
            if src == "play_store":
                assert rec["url"] == demo.PLAY_URL + rec["native_id"]
            else:
                assert rec["url"] is None and rec["app_version"] is not None
        assert (rec["reply_text"] is None) == (rec["replied_at"] is None)
        if rec["replied_at"]:
            assert STAMP.match(rec["replied_at"]) and rec["replied_at"] >= rec["created_at"]
            assert "Tim M-Paspor" in rec["reply_text"]


def test_sources_ids_order_and_span(records):
    counts = Counter(r["source"] for r in records)
    assert set(counts) == {"play_store", "app_store", "twitter"}
    assert 0.70 < counts["play_store"] / N < 0.80
    keys = [(r["source"], r["native_id"]) for r in records]
    assert len(set(keys)) == len(keys)
    stamps = [r["created_at"] for r in records]
    assert stamps == sorted(stamps)
    first, last = date.fromisoformat(stamps[0][:10]), date.fromisoformat(stamps[-1][:10])
    assert first >= demo.START and last <= demo.END
    assert (last.year - first.year) * 12 + last.month - first.month >= 30


def test_ids_stay_unique_at_scale():
    recs = list(itertools.islice(demo.generate(50_000, 3), 50_000))
    keys = {(r["source"], r["native_id"]) for r in recs}
    assert len(keys) == len(recs)


def test_ratings_and_praise(rows):
    ratings = Counter(r["rating"] for r, _ in rows if r["rating"])
    total = sum(ratings.values())
    assert 0.62 < ratings[1] / total < 0.78 and 0.08 < ratings[5] / total < 0.16
    praise_only = [r["rating"] for r, c in rows if c == ("praise",) and r["rating"]]
    assert sum(x >= 4 for x in praise_only) / len(praise_only) > 0.9
    none = sum(1 for _, c in rows if not c) / N
    assert 0.15 < none < 0.25


def _share(rows, cat, keep) -> float:
    picked = [c for r, c in rows if r["app_version"] and keep(demo.version_key(r["app_version"]))]
    return sum(cat in c for c in picked) / len(picked)


def test_payment_stuck_surges_after_6_4_0(rows):
    before = _share(rows, "payment_stuck", lambda v: v < (6, 4, 0))
    broken = _share(rows, "payment_stuck", lambda v: (6, 4, 0) <= v < (6, 5, 0))
    after = _share(rows, "payment_stuck", lambda v: v >= (6, 4, 0))
    assert broken > 2.5 * before and after > before


def test_office_unavailable_falls_after_fix(rows):
    before = _share(rows, "office_unavailable", lambda v: v < (6, 0, 0))
    after = _share(rows, "office_unavailable", lambda v: v >= (6, 0, 0))
    assert after < before / 3


def test_quota_full_peaks_in_holiday_seasons(rows):
    def share(in_season: bool) -> float:
        picked = [
            c for r, c in rows if demo._quota_season(date.fromisoformat(r["created_at"][:10])) == in_season
        ]
        return sum("quota_full" in c for c in picked) / len(picked)

    assert share(True) > 1.5 * share(False)


def test_versions_advance_and_some_texts_carry_fake_personal_data(records):
    versions = [demo.version_key(r["app_version"]) for r in records if r["app_version"]]
    assert versions[0][0] == 5 and versions[-1][:2] == (7, 3)
    pii = [r for r in records if re.search(r"@example\.(com|net|org)|\d{4}[ -]?\d{4}[ -]?\d{4}", r["text"])]
    assert 5 <= len(pii) <= 60


def test_main_writes_file(tmp_path):
    out = tmp_path / "x.jsonl"
    assert demo.main(["--n", "50", "--seed", "1", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == "".join(map(demo.to_line, demo_apps.corpus(50, 1)))
    assert demo.main(["--n", "50", "--seed", "1", "--out", str(out), "--only-mpaspor"]) == 0
    assert out.read_text(encoding="utf-8") == "".join(map(demo.to_line, demo.generate(50, 1)))
