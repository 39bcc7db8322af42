"""Labelled JSONL sets: one {"text": ..., "labels": [...]} per line, optionally "rating" (1-5 stars);
other keys are ignored."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from nlp.jsonl import read_jsonl


class LabelledDataError(Exception):
    """A labelled file that cannot be used; the message names the file and line."""


class Labelled(NamedTuple):
    texts: list[str]
    labels: list[list[str]]
    ratings: list[int | None]  # the star rating where the line has one (store reviews), else None


def load_labelled(path: Path, categories: list[str]) -> Labelled:
    path = Path(path)
    if not path.exists():
        raise LabelledDataError(f"{path}: file not found")
    known = set(categories)
    texts: list[str] = []
    labels: list[list[str]] = []
    ratings: list[int | None] = []
    for lineno, obj in read_jsonl(path):
        try:
            text, labs = obj["text"], obj["labels"]
        except (KeyError, TypeError):
            raise LabelledDataError(
                f"{path}, line {lineno}: expected a JSON object with 'text' and 'labels'"
            ) from None
        unknown = set(labs) - known
        if unknown:
            raise LabelledDataError(f"{path}, line {lineno}: unknown categories {sorted(unknown)}")
        rating = obj.get("rating")
        if rating is not None and not (isinstance(rating, int | float) and 1 <= rating <= 5):
            raise LabelledDataError(f"{path}, line {lineno}: 'rating' must be 1-5 or absent, not {rating!r}")
        texts.append(str(text))
        labels.append(sorted(set(labs)))
        ratings.append(None if rating is None else int(rating))
    if not texts:
        raise LabelledDataError(f"{path}: no labelled lines")
    return Labelled(texts, labels, ratings)
