"""The fast JSONL import path gives exactly what the line-by-line path gives, or steps aside."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from ingest.files import read_any
from ingest.formats import canonical
from ingest.twitter import tweet_url
from suara.feedback_batch import to_batch_table

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo" / "feedback.jsonl"
SALT = "uji-garam"


def read_canonical_jsonl(path: Path, salt: str) -> pa.Table | None:
    return canonical.read(path, salt, "mpaspor", tweet_url(""))


def slow_table(path: Path) -> pa.Table:
    read = read_any(path, "jsonl")  # no salt: the line-by-line path
    assert not read.errors
    return to_batch_table(read.records, SALT, validated=True)


def test_demo_corpus_fast_equals_line_by_line():
    fast = read_canonical_jsonl(DEMO, SALT)
    assert fast is not None
    assert fast.equals(slow_table(DEMO))


def test_edge_values_fast_equals_line_by_line(tmp_path):
    rows = [
        {"source": "play_store", "native_id": "a", "app_id": "mpaspor", "text": "error ✓ 😡", "rating": 1,
         "created_at": "2024-05-01T08:30:00+07:00", "author": "Budi", "likes": 3},
        {"source": "app_store", "native_id": "b", "app_id": "mpaspor", "text": "x", "rating": None,
         "created_at": "2024-05-01T08:30:00", "title": "Judul", "replied_at": "2024-05-02T00:00:00Z",
         "reply_text": "Terima kasih", "raw": "{\"k\": 1}"},
        {"source": "twitter", "native_id": "17", "app_id": "mpaspor", "text": "  spasi di tepi  ",
         "created_at": "2024-05-01T23:59:59Z", "url": "https://x.com/warga_x/status/17"},
        {"source": "play_store", "native_id": "d", "text": "tanpa app_id", "likes": 2147483647,
         "created_at": "2000-01-01T00:00:00Z"},  # app_id from --app; the largest likes; the earliest time
    ]  # fmt: skip
    path = tmp_path / "edge.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "\n", encoding="utf-8")
    fast = read_canonical_jsonl(path, SALT)
    assert fast is not None and fast.num_rows == 4
    assert fast.sort_by("id").equals(slow_table(path).sort_by("id"))
    links = dict(zip(fast.column("id").to_pylist(), fast.column("url").to_pylist(), strict=True))
    assert links["twitter:17"] == tweet_url("17")  # the username's link is not kept
    assert fast.column("app_id").to_pylist()[-1] == "mpaspor"


@pytest.mark.parametrize(
    "change",
    [
        {"rating": "5"},  # a string: normalize converts it, the fast path steps aside
        {"rating": 7},
        {"native_id": " spaced "},
        {"native_id": "a\n"},  # str.strip() removes tabs and line breaks, which DuckDB's trim keeps
        {"author": "Budi\t"},
        {"app_version": "\u20285.0"},
        {"country": "id\u3000"},
        {"title": ""},
        {"created_at": "2024-05-01 08:30"},
        {"created_at": "2024-05-01T08:30:00.123Z"},
        {"colour": "blue"},
        {"source": "facebook"},
        {"raw": {"nested": True}},
        {"text": "   "},
        {"text": 12},
        {"rating": 3.7},
        {"rating": True},
        {"likes": -1},
        {"likes": 10**12},
        {"likes": 1e12},
        {"created_at": "1999-12-31T23:59:59Z"},
        {"created_at": "9999-01-01T00:00:00Z"},
        {"created_at": "2024-02-30T00:00:00Z"},
        {"created_at": True},
        {"created_at": -1},
    ],
)
def test_non_canonical_files_take_the_line_by_line_path(tmp_path, change):
    row = {"source": "play_store", "native_id": "a", "app_id": "mpaspor", "text": "ok",
           "created_at": "2024-05-01T08:30:00Z", **change}  # fmt: skip
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert read_canonical_jsonl(path, SALT) is None


def test_a_repeated_id_takes_the_line_by_line_path(tmp_path):
    row = {"source": "play_store", "native_id": "a", "app_id": "mpaspor", "text": "ok",
           "created_at": "2024-05-01T08:30:00Z"}  # fmt: skip
    path = tmp_path / "twice.jsonl"
    path.write_text(json.dumps(row) + "\n" + json.dumps({**row, "text": "kedua"}) + "\n", encoding="utf-8")
    assert read_canonical_jsonl(path, SALT) is None
    slow = read_any(path, "jsonl")
    assert slow.duplicates == [(2, 1)] and slow.batch(SALT).column("text").to_pylist() == ["kedua"]


def test_broken_json_takes_the_line_by_line_path(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"source": "play_store", "native_id": "a"\n', encoding="utf-8")
    assert read_canonical_jsonl(path, SALT) is None
