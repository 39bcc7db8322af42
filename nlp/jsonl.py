"""Reading JSON Lines with line numbers, so every caller can name the bad line in its message.

In nlp because nlp reads labelled and prediction files and imports nothing from suara/; ingest's
file import reads JSONL through this one reader too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path


def read_jsonl(path: Path) -> Iterator[tuple[int, dict | str]]:
    """(line number, object) for each non-empty line; a string instead of the object says why it is bad.

    Lines are decoded one by one, so bytes that are not UTF-8 make that line bad, not the whole read.
    """
    with Path(path).open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield (
                    lineno,
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); save the file as UTF-8",
                )
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield lineno, f"not valid JSON ({exc.msg} at column {exc.colno})"
                continue
            yield lineno, obj if isinstance(obj, dict) else "not a JSON object"
