"""The feedback batch: normalized records as the Arrow table the store's upsert reads.

One layout (``batch_schema()``) for every way feedback arrives: a page of a source, the line-by-line
import, and the fast file import's staged table (ingest/formats/canonical.py, which computes the same
columns in SQL). The two hashes of a row are defined here: ``content_hash``, of what the author wrote
(the upsert compares it to see an edit), and ``author_hash``, the salted hash stored in place of the
author's name. The upsert itself is suara/upsert.py, run by ``Store.upsert_feedback``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from suara.records import normalize
from suara.upsert import COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa


def content_hash(title: str | None, text: str, rating: int | None) -> str:
    return hashlib.md5(f"{title or ''}\x1f{text}\x1f{rating or ''}".encode()).hexdigest()


def author_hash(author: str | None, salt: str) -> str | None:
    if not author:
        return None
    return hashlib.sha256(f"{salt}\x1f{author}".encode()).hexdigest()[:20]


@cache
def batch_schema() -> pa.Schema:
    """The batch layout, in the order of the upsert's columns (built on first use: pyarrow is not
    imported by a first `suara import FILE`, which never leaves DuckDB)."""
    import pyarrow as pa

    schema = pa.schema(
        [
            ("id", pa.string()),
            ("source", pa.string()),
            ("app_id", pa.string()),
            ("native_id", pa.string()),
            ("author_hash", pa.string()),
            ("text", pa.string()),
            ("title", pa.string()),
            ("rating", pa.int8()),
            ("app_version", pa.string()),
            ("lang", pa.string()),
            ("country", pa.string()),
            ("created_at", pa.timestamp("s")),
            ("reply_text", pa.string()),
            ("replied_at", pa.timestamp("s")),
            ("likes", pa.int32()),
            ("url", pa.string()),
            ("raw", pa.string()),
            ("content_hash", pa.string()),
        ]
    )
    assert schema.names == COLUMNS  # the upsert's SQL (suara/upsert.py) names them in this order
    return schema


def to_batch_table(records: Iterable[dict], salt: str, validated: bool = False) -> pa.Table:
    """Normalized records -> an Arrow table in the feedback layout, last one wins per id.

    Built column by column (one comprehension per column), which is what keeps bulk imports fast.
    """
    import pyarrow as pa

    rows: dict[str, dict] = {}
    for rec in records:
        r = rec if validated else normalize(rec)
        rows[f"{r['source']}:{r['native_id']}"] = r
    recs = list(rows.values())
    cols = {c: [r[c] for r in recs] for c in COLUMNS if c not in ("id", "author_hash", "content_hash")}
    cols["id"] = list(rows)
    cols["author_hash"] = [author_hash(r["author"], salt) for r in recs]
    cols["content_hash"] = [content_hash(r["title"], r["text"], r["rating"]) for r in recs]
    return pa.table({c: cols[c] for c in COLUMNS}, schema=batch_schema())
