"""The fast JSONL import path gives exactly what the line-by-line path gives, or steps aside."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from ingest.files import read_canonical_jsonl, read_file
from suara.store import to_batch_table

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo" / "feedback.jsonl"
SALT = "uji-garam"


def slow_table(path: Path) -> pa.Table:
    read = read_file(path, "jsonl")
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
        {"source": "twitter", "native_id": "c", "app_id": "mpaspor", "text": "  spasi di tepi  ",
         "created_at": "2024-05-01T23:59:59Z"},
        {"source": "play_store", "native_id": "a", "app_id": "mpaspor", "text": "versi baru", "rating": 5,
         "created_at": "2024-05-03T00:00:00Z"},  # same id again: the last line wins
    ]  # fmt: skip
    path = tmp_path / "edge.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "\n", encoding="utf-8")
    fast = read_canonical_jsonl(path, SALT)
    assert fast is not None and fast.num_rows == 3
    assert fast.sort_by("id").equals(slow_table(path).sort_by("id"))


@pytest.mark.parametrize(
    "change",
    [
        {"rating": "5"},  # a string: normalize converts it, the fast path steps aside
        {"rating": 7},
        {"native_id": " spaced "},
        {"title": ""},
        {"created_at": "2024-05-01 08:30"},
        {"created_at": "2024-05-01T08:30:00.123Z"},
        {"colour": "blue"},
        {"source": "facebook"},
        {"raw": {"nested": True}},
    ],
)
def test_non_canonical_files_take_the_line_by_line_path(tmp_path, change):
    row = {"source": "play_store", "native_id": "a", "app_id": "mpaspor", "text": "ok",
           "created_at": "2024-05-01T08:30:00Z", **change}  # fmt: skip
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert read_canonical_jsonl(path, SALT) is None


def test_broken_json_takes_the_line_by_line_path(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"source": "play_store", "native_id": "a"\n', encoding="utf-8")
    assert read_canonical_jsonl(path, SALT) is None
