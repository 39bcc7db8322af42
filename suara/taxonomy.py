"""The complaint taxonomy, read from data/taxonomy.toml: ids, labels, keywords, framework mapping.

A category is a complaint unless the data says ``complaint = false`` (praise): figures such as "share
with a complaint" or an office's "most complaints" count only ``complaint_ids``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from suara.config import DATA_DIR

TAXONOMY_FILE = DATA_DIR / "taxonomy.toml"


@dataclass(frozen=True)
class Category:
    id: str
    label_id: str
    label_en: str
    headline: bool
    description: str
    keywords: tuple[str, ...]
    gartner: str
    harvard: str
    complaint: bool = True

    def label(self, lang: str = "id") -> str:
        return self.label_id if lang == "id" else self.label_en


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    frameworks: dict

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.categories]

    @property
    def headline_ids(self) -> list[str]:
        return [c.id for c in self.categories if c.headline]

    @property
    def complaint_ids(self) -> list[str]:
        return [c.id for c in self.categories if c.complaint]

    def get(self, category_id: str) -> Category:
        for c in self.categories:
            if c.id == category_id:
                return c
        raise KeyError(f"unknown category {category_id!r}; known: {', '.join(self.ids)}")


@cache
def load_taxonomy(path: Path = TAXONOMY_FILE) -> Taxonomy:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    cats = tuple(
        Category(
            id=c["id"],
            label_id=c["label_id"],
            label_en=c["label_en"],
            headline=bool(c.get("headline")),
            description=c["description"],
            keywords=tuple(c.get("keywords", ())),
            gartner=c["gartner"],
            harvard=c["harvard"],
            complaint=bool(c.get("complaint", True)),
        )
        for c in raw["category"]
    )
    return Taxonomy(categories=cats, frameworks=raw.get("frameworks", {}))
