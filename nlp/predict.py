"""Streaming prediction over JSONL files: bounded memory, input order kept, no half-written output."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from nlp.jsonl import read_jsonl
from nlp.model import ComplaintModel


class PredictInputError(Exception):
    """A bad input line; the message names the file and line number."""


def _read(path: Path) -> Iterator[tuple[object, str, object]]:
    if not path.exists():
        raise PredictInputError(f"{path}: file not found")
    for lineno, obj in read_jsonl(path):
        try:
            yield obj["id"], str(obj["text"]), obj.get("rating")
        except (KeyError, TypeError):
            raise PredictInputError(
                f"{path}, line {lineno}: expected a JSON object with 'id' and 'text' (and optionally 'rating'); "
                "nothing was written"
            ) from None


def predict_stream(model: ComplaintModel, in_path: Path, out_path: Path, batch_size: int = 2000) -> int:
    """Write {"id", "labels", "scores"} per input line; the output appears only when every line is done."""
    in_path, out_path = Path(in_path), Path(out_path)
    tmp = out_path.with_name(out_path.name + ".partial")
    n = 0
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            batch: list[tuple[object, str, object]] = []
            for item in _read(in_path):
                batch.append(item)
                if len(batch) >= batch_size:
                    n += _write(model, batch, fh)
                    batch = []
            n += _write(model, batch, fh)
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def _write(model: ComplaintModel, batch: list[tuple[object, str, object]], fh) -> int:
    if not batch:
        return 0
    scores = model.scores([t for _, t, _ in batch], [r for _, _, r in batch])
    decided = model.decide(scores)
    cats = model.categories
    for (id_, _, _), row, on in zip(batch, scores, decided, strict=True):
        fh.write(
            json.dumps(
                {
                    "id": id_,
                    "labels": [c for c, o in zip(cats, on, strict=True) if o],
                    "scores": {c: round(float(p), 4) for c, p in zip(cats, row, strict=True)},
                },
                ensure_ascii=False,
            )
            + "\n"
        )
    return len(batch)
