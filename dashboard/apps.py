"""The apps the dashboard shows: their display names from the configuration, and the taxonomy's
categories in scope for the ones selected.

The store keeps an app by its configuration key (``app_id``); people know it by its name ("Mobile JKN"),
so every widget and table shows ``app_name``. A category scoped to some apps in data/taxonomy.toml (the
immigration office: M-Paspor only) is offered in the filters only when a selected app has it, and a
comparison across apps uses only the categories they all share (``shared_categories``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from suara.config import AppConfig, ConfigError, load_settings
from suara.taxonomy import app_identifiers, load_taxonomy


def configured() -> tuple[AppConfig, ...]:
    """The configured apps (none when the configuration cannot be read: the pages say why elsewhere),
    read again only when the file (``$SUARA_CONFIG``, else ./suara.toml) changes."""
    path = Path(os.environ.get("SUARA_CONFIG") or "suara.toml")
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = None
    return _read(str(path.resolve()), stamp)


@lru_cache(maxsize=8)
def _read(path: str, stamp: int | None) -> tuple[AppConfig, ...]:
    try:
        return load_settings().apps
    except ConfigError:
        return ()


def app_name(app_id: str) -> str:
    """The configured display name of an app, else its key as stored."""
    for app in configured():
        if app.key == app_id:
            return app.name
    return app_id


def identifiers(app_id: str) -> tuple[str, ...]:
    return app_identifiers(app_id, configured())


def categories_for(apps: tuple[str, ...] | list[str]) -> list[str]:
    """The taxonomy's categories in scope for any of ``apps`` (all of them when none is selected)."""
    tax = load_taxonomy()
    if not apps:
        return tax.ids
    scoped = [set(tax.ids_for(identifiers(a))) for a in apps]
    return [c for c in tax.ids if any(c in s for s in scoped)]


def shared_categories(apps: tuple[str, ...] | list[str]) -> list[str]:
    """The categories in scope for every one of ``apps``, in taxonomy order."""
    return load_taxonomy().shared_ids([identifiers(a) for a in apps])
