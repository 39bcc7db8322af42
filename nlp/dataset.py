"""Labelled JSONL sets: one {"text": ..., "labels": [...]} per line (other keys are ignored)."""

from __future__ import annotations

from pathlib import Path

from nlp.jsonl import read_jsonl


class LabelledDataError(Exception):
    """A labelled file that cannot be used; the message names the file and line."""


def load_labelled(path: Path, categories: list[str]) -> tuple[list[str], list[list[str]]]:
    path = Path(path)
    if not path.exists():
        raise LabelledDataError(f"{path}: file not found")
    known = set(categories)
    texts: list[str] = []
    labels: list[list[str]] = []
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
        texts.append(str(text))
        labels.append(sorted(set(labs)))
    if not texts:
        raise LabelledDataError(f"{path}: no labelled lines")
    return texts, labels
