"""The plan of a nightly run: which sources it collects for which app, and the ``[nightly]`` options.

The job (suara/nightly.py) runs a list of ``SourceTask``; this module says what goes in it, so that the
plan can be read, checked and replaced without the job that runs it:

- ``default_sources``: every configured app with every public source (play, appstore, twitter,
  instagram where configured), or the owner's APIs (play-api, appstore-api) in place of or beside them
  where their credentials are set (ingest/owner_api.py). An app without a source's setting (no
  play_package, ...) is reported as skipped, not failed; an unknown name in --sources is a
  ``ConfigError`` before anything runs.
- ``options``: the optional ``[nightly]`` table of suara.toml, checked key by key over ``DEFAULTS``, so
  that a typo fails the run (and ``suara doctor``) instead of being ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suara.config import ConfigError, Settings
from suara.model_labels import BATCH_ROWS
from suara.store import Store

SOURCE_NAMES = ("play", "appstore", "twitter", "instagram")
DEFAULTS = {"keep_backups": 7, "full_backup_days": 7, "write_wait_seconds": 120.0, "batch_size": BATCH_ROWS}


@dataclass
class SourceTask:
    """One source for one app. ``run(store)`` returns a result with status, fetched, new, updated,
    skipped, errors and message (``ingest.collect.SourceResult``); it may raise, which fails this task."""

    app_id: str
    source: str
    run: Callable[[Store], Any]


def default_sources(
    settings: Settings, only: list[str] | None = None, max_items: int | None = None, client=None, policy=None
) -> list[SourceTask]:
    """Every source for every configured app through ``ingest.collect``; an app without a source's
    setting (no play_package, ...) is reported as skipped, not failed; instagram only where configured."""
    from ingest.collect import collect
    from ingest.collect import default_sources as app_sources
    from ingest.owner_api import CREDENTIALS, nightly_sources

    names = list(only or SOURCE_NAMES)
    unknown = sorted(set(names) - set(SOURCE_NAMES) - set(CREDENTIALS))
    if unknown:
        raise ConfigError(
            f"unknown source(s) {unknown} in --sources; expected some of {', '.join((*SOURCE_NAMES, *CREDENTIALS))}"
        )

    def task(app, name: str) -> SourceTask:
        def run(store: Store):
            # ``client``: one for the public sources, or one per source name (an owner's API client)
            http = client.get(name) if isinstance(client, dict) else client if name in SOURCE_NAMES else None
            return collect(store, settings, app, name, max_items=max_items, client=http, policy=policy)

        return SourceTask(app.key, name, run)

    def planned(
        app,
    ) -> list[str]:  # the owner's APIs replace or join the public feeds when credentials are set
        return names if only else nightly_sources(settings, tuple(app_sources(app)))

    return [task(app, name) for app in settings.apps for name in planned(app)]


def options(settings: Settings) -> dict:
    """The optional ``[nightly]`` table of suara.toml, checked, over the defaults."""
    raw = settings.extra.get("nightly", {}) if isinstance(settings.extra, dict) else {}
    where = settings.config_path or "suara.toml"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: nightly must be a table ([nightly]), not {raw!r}")
    allowed = set(DEFAULTS) | {"reports_dir", "backups_dir"}
    if set(raw) - allowed:
        raise ConfigError(
            f"{where}: [nightly] has unknown keys {sorted(set(raw) - allowed)}; allowed: {sorted(allowed)}"
        )
    out = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{where}: [nightly] {key} must be a number >= 0, not {value!r}")
        out[key] = type(default)(value)
    base = Path(settings.config_path).resolve().parent if settings.config_path else Path.cwd()
    for key in ("reports_dir", "backups_dir"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            raise ConfigError(
                f"{where}: [nightly] {key} must be a directory path in quotes, not {raw[key]!r}"
            )
        out[key] = base / raw[key] if key in raw else None
    return out
