"""Streaming prediction over JSONL files: bounded memory, input order kept, no half-written output."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import numpy as np

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


def predict_stream(
    model: ComplaintModel, in_path: Path, out_path: Path, batch_size: int = 2000, workers: int = 1
) -> int:
    """Write {"id", "labels", "scores"} per input line; the output appears only when every line is done.

    With ``workers`` > 1, batches are scored in that many forked processes (the model is shared, not
    copied or pickled) while this one reads and writes; the output keeps the input order either way.
    A bad line stops the run before anything is written (the ``.partial`` file is removed).
    """
    in_path, out_path = Path(in_path), Path(out_path)
    tmp = out_path.with_name(out_path.name + ".partial")
    n = 0
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            batches = _batches(_read(in_path), batch_size)
            if workers > 1 and "fork" in mp.get_all_start_methods():
                global _MODEL
                _MODEL = model  # inherited by the forked workers
                try:
                    with mp.get_context("fork").Pool(workers) as pool:
                        pending: deque = deque()  # batches in flight, in input order
                        for batch in batches:  # read here, so a bad line stops the run in this process
                            pending.append(pool.apply_async(_lines, (batch,)))
                            if len(pending) > 2 * workers:
                                n += _put(pending.popleft().get(), fh)
                        while pending:
                            n += _put(pending.popleft().get(), fh)
                finally:
                    _MODEL = None
            else:
                for batch in batches:
                    n += _put(_format(model, batch), fh)
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return n


_MODEL: ComplaintModel | None = None  # the model of the forked workers of predict_stream


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _put(done: tuple[int, str], fh) -> int:
    fh.write(done[1])
    return done[0]


def _lines(batch: list[tuple[object, str, object]]) -> tuple[int, str]:
    return _format(_MODEL, batch)


def _format(model: ComplaintModel, batch: list[tuple[object, str, object]]) -> tuple[int, str]:
    """The output lines of one batch, as one string: the same JSON as ``json.dumps`` of
    {"id", "labels", "scores"} gives, built from pieces (the categories are fixed ASCII names)."""
    scores = model.scores([t for _, t, _ in batch], [r for _, _, r in batch])
    decided = model.decide(scores)
    keys = [json.dumps(c) for c in model.categories]
    out = []
    for (id_, _, _), row, on in zip(batch, np.round(scores, 4).tolist(), decided.tolist(), strict=True):
        labels = ", ".join(k for k, o in zip(keys, on, strict=True) if o)
        values = ", ".join(f"{k}: {v!r}" for k, v in zip(keys, row, strict=True))
        out.append(
            f'{{"id": {json.dumps(id_, ensure_ascii=False)}, "labels": [{labels}], "scores": {{{values}}}}}'
        )
    out.append("")
    return len(batch), "\n".join(out)
