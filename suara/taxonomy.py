"""The complaint taxonomy: data/taxonomy.toml (ids, labels, keywords, framework mapping) plus the
categories this installation's analysts added, in a local additions file.

A category is a complaint unless the data says ``complaint = false`` (praise): figures such as "share
with a complaint" or an office's "most complaints" count only ``complaint_ids``.

A category may be scoped to some apps (``apps = ["id.go.imigrasi.paspor_online"]``): the immigration
office or the interview quota mean nothing for a health-insurance app. An entry names an app by its
configuration key, Google Play package or App Store id (``app_identifiers``), so the taxonomy, which is
shared data, does not depend on what one installation calls its apps; no ``apps`` means every app. The
classifier's labels outside an app's scope are dropped (suara/classify.py), the dashboard lists only the
selected apps' categories, and comparisons across apps use ``shared_ids``.

**Additions.** A category an analyst promotes from a topic (suara/topic_records.py, `suara topics
promote`, the Topik baru page) is appended to ``taxonomy.local.toml``: ``$SUARA_TAXONOMY_LOCAL``, else
data/taxonomy.local.toml beside the default database. The shipped file stays as git has it (an upgrade
never conflicts with an analyst's work, and an analyst's promotion never edits tracked code or data);
the additions file is the installation's own, backed up with the data directory. Every reader
(``load_taxonomy``: the store's readers, training, the dashboard, the exports, the digest) sees the
union, so a promoted category needs no code change. The additions may only add: an id already in the
shipped file, a malformed id or a ``headline = true`` is refused with a message naming the file (the
headline six stay fixed). The taxonomy's version is the shipped version plus the additions
(``"1+2"``). A reader re-reads the file when it changes (its modification time is part of the cache key),
so the dashboard sees a promotion made by `suara topics promote` without a restart.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from suara.config import DATA_DIR, AppConfig

TAXONOMY_FILE = DATA_DIR / "taxonomy.toml"
LOCAL_ENV = "SUARA_TAXONOMY_LOCAL"
LOCAL_FILE = DATA_DIR / "taxonomy.local.toml"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{2,39}$")


class TaxonomyError(ValueError):
    """The additions file cannot be used, or a category cannot be added (the message says why)."""


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
    added_by: str | None = None  # an analyst's addition (taxonomy.local.toml): who and when
    added_at: str | None = None

    def applies_to(self, identifiers: tuple[str, ...]) -> bool:
        """Whether this category makes sense for the app known by ``identifiers`` (``app_identifiers``)."""
        return not self.apps or any(i in self.apps for i in identifiers)

    def label(self, lang: str = "id") -> str:
        return self.label_id if lang == "id" else self.label_en


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    frameworks: dict
    version: str = "1"  # the shipped file's version, "+n" with n analysts' additions

    @property
    def added_ids(self) -> list[str]:
        return [c.id for c in self.categories if c.added_by]

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


def local_file() -> Path:
    """Where this installation's added categories are (see the module doc)."""
    return Path(os.environ.get(LOCAL_ENV) or LOCAL_FILE)


def load_taxonomy(path: Path = TAXONOMY_FILE, local: Path | None = None) -> Taxonomy:
    """The shipped taxonomy plus the local additions (``local``, default ``local_file()``)."""
    local = Path(local) if local is not None else local_file()
    stamp = (local.stat().st_mtime_ns, local.stat().st_size) if local.is_file() else None
    return _load(Path(path), local, stamp)


def _category(c: dict, path: Path) -> Category:
    return Category(
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
        added_by=c.get("added_by"),
        added_at=str(c["added_at"]) if c.get("added_at") else None,
    )


@cache
def _load(path: Path, local: Path, stamp: tuple[int, int] | None) -> Taxonomy:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    cats = [_category(c, path) for c in raw["category"]]
    added = _additions(local, {c.id for c in cats}, raw.get("frameworks", {})) if stamp is not None else []
    version = str(raw.get("version", 1)) + (f"+{len(added)}" if added else "")
    return Taxonomy(categories=tuple(cats + added), frameworks=raw.get("frameworks", {}), version=version)


load_taxonomy.cache_clear = _load.cache_clear  # type: ignore[attr-defined]


def _additions(local: Path, known: set[str], frameworks: dict) -> list[Category]:
    try:
        raw = tomllib.loads(local.read_text(encoding="utf-8"))
        out = []
        for c in raw.get("category", []):
            problem = check_new(c.get("id", ""), known | {x.id for x in out}, frameworks, c)
            if problem:
                raise TaxonomyError(problem)
            if c.get("headline"):
                raise TaxonomyError(f"category {c['id']!r} is marked headline; the headline six are fixed")
            out.append(_category({**c, "added_by": c.get("added_by") or "?"}, local))
        return out
    except (tomllib.TOMLDecodeError, KeyError, TypeError, TaxonomyError) as exc:
        raise TaxonomyError(
            f"{local}: {exc}; fix or remove that entry (analysts' added categories, see docs/topics.md)"
        ) from None


def check_new(category_id: str, known: set[str], frameworks: dict, fields: dict) -> str | None:
    """Why ``category_id`` with ``fields`` cannot be added, or None."""
    if not ID_PATTERN.match(category_id or ""):
        return (
            f"category id {category_id!r}: use 3-40 lowercase letters, digits and _ (e.g. biaya_percepatan)"
        )
    if category_id in known:
        return f"category id {category_id!r} exists already; choose another id"
    for key in ("label_id", "label_en", "description"):
        if not str(fields.get(key) or "").strip():
            return f"category {category_id!r}: {key} is empty"
    for key in ("gartner", "harvard"):
        if frameworks and fields.get(key) not in frameworks.get(key, {}):
            return f"category {category_id!r}: {key} {fields.get(key)!r} is not one of {', '.join(frameworks.get(key, {}))}"
    return None


def add_category(
    category_id: str,
    label_id: str,
    label_en: str,
    description: str,
    added_by: str,
    keywords: tuple[str, ...] = (),
    gartner: str = "transaction",
    harvard: str = "value",
    when: datetime | None = None,
    local: Path | None = None,
) -> Category:
    """Append one category to the additions file, atomically (a temporary file renamed over it), after
    checking it against the whole taxonomy. Raises TaxonomyError; then the file is as it was."""
    local = Path(local) if local is not None else local_file()
    tax = load_taxonomy(local=local)
    fields = {
        "label_id": label_id.strip(),
        "label_en": label_en.strip(),
        "description": " ".join(description.split()),
        "gartner": gartner,
        "harvard": harvard,
    }
    problem = check_new(category_id, set(tax.ids), tax.frameworks, fields)
    if problem:
        raise TaxonomyError(problem)
    if not added_by.strip():
        raise TaxonomyError("say who adds the category (the analyst's name)")
    when = when or datetime.now()
    head = (
        "# Categories added by this installation's analysts (suara topics promote, the Topik baru page).\n"
        "# Read together with data/taxonomy.toml; only adds, never changes a shipped category.\n"
    )
    old = local.read_text(encoding="utf-8") if local.is_file() else head
    entry = "\n[[category]]\n" + "".join(
        f"{k} = {_toml(v)}\n"
        for k, v in [
            ("id", category_id),
            *fields.items(),
            ("keywords", list(keywords)),
            ("complaint", True),
            ("added_by", added_by.strip()),
            ("added_at", when.strftime("%Y-%m-%dT%H:%M:%S")),
        ]
    )
    local.parent.mkdir(parents=True, exist_ok=True)
    tmp = local.with_name(local.name + ".tmp")
    tmp.write_text(old.rstrip("\n") + "\n" + entry, encoding="utf-8")
    try:
        _additions(tmp, {c.id for c in tax.categories if not c.added_by}, tax.frameworks)
    except TaxonomyError:
        tmp.unlink()
        raise
    os.replace(tmp, local)
    return load_taxonomy(local=local).get(category_id)


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


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
