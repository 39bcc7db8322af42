"""The complaint taxonomy, read from data/taxonomy.toml: ids, labels, keywords, framework mapping.

A category is a complaint unless the data says ``complaint = false`` (praise): figures such as "share
with a complaint" or an office's "most complaints" count only ``complaint_ids``.

A category may be scoped to some apps (``apps = ["id.go.imigrasi.paspor_online"]``): the immigration
office or the interview quota mean nothing for a health-insurance app. An entry names an app by its
configuration key, Google Play package or App Store id (``app_identifiers``), so the taxonomy, which is
shared data, does not depend on what one installation calls its apps; no ``apps`` means every app. The
classifier's labels outside an app's scope are dropped (suara/classify.py), the dashboard lists only the
selected apps' categories, and comparisons across apps use ``shared_ids``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from suara.config import DATA_DIR, AppConfig

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
    apps: tuple[str, ...] = ()  # empty: every app; else the apps (key, Play package or App Store id) it fits

    def applies_to(self, identifiers: tuple[str, ...]) -> bool:
        """Whether this category makes sense for the app known by ``identifiers`` (``app_identifiers``)."""
        return not self.apps or any(i in self.apps for i in identifiers)

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

    def ids_for(self, identifiers: tuple[str, ...]) -> list[str]:
        """The categories in scope for one app, in taxonomy order."""
        return [c.id for c in self.categories if c.applies_to(identifiers)]

    def shared_ids(self, apps: list[tuple[str, ...]]) -> list[str]:
        """The categories in scope for every one of ``apps`` (each given by its identifiers)."""
        return [c.id for c in self.categories if all(c.applies_to(a) for a in apps)]

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
            apps=_apps(c, path),
        )
        for c in raw["category"]
    )
    return Taxonomy(categories=cats, frameworks=raw.get("frameworks", {}))


def _apps(raw: dict, path: Path) -> tuple[str, ...]:
    apps = raw.get("apps", [])
    if (
        not isinstance(apps, list)
        or not apps
        and "apps" in raw
        or not all(isinstance(a, str) and a for a in apps)
    ):
        raise ValueError(
            f"{path}: category {raw.get('id')!r}: apps must be a non-empty list of app keys, Play packages or "
            f'App Store ids, like ["id.go.imigrasi.paspor_online"]; leave it out for every app; not {apps!r}'
        )
    return tuple(apps)


def app_identifiers(app_id: str, apps: tuple[AppConfig, ...] = ()) -> tuple[str, ...]:
    """The names a taxonomy scope may use for the app stored as ``app_id``: its key, and from its
    configuration (when ``apps`` holds it) its Play package and App Store id."""
    for app in apps:
        if app.key == app_id:
            return tuple(i for i in (app.key, app.play_package, app.appstore_id) if i)
    return (app_id,)
