"""Configuration: which database, which apps to watch, where data lives.

Precedence for the database path: ``--db`` flag > ``SUARA_DB`` env > ``suara.toml`` > the default
``data/suara.duckdb``. The salt for author hashes: ``SUARA_SALT`` > ``author_salt`` in suara.toml >
the per-installation salt file `suara init` creates (suara/salt.py) > a public default. The config
file is ``--config``, else ``SUARA_CONFIG``, else ``./suara.toml``; without one, Suara watches
M-Paspor (the default below), so a fresh clone works as it is.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_DB = DATA_DIR / "suara.duckdb"
MODELS_DIR = DATA_DIR / "models"
REPORTS_DIR = DATA_DIR / "reports"

DEFAULT_TWITTER_QUERY = '(m-paspor OR mpaspor OR "m paspor" OR "aplikasi paspor") lang:id -is:retweet'


class ConfigError(Exception):
    """A configuration problem the user must fix; the message says what and where."""


@dataclass(frozen=True)
class AppConfig:
    """One public-service app and where its feedback lives on each source."""

    key: str
    name: str
    play_package: str | None = None
    appstore_id: str | None = None
    appstore_countries: tuple[str, ...] = ("id",)
    twitter_query: str | None = None
    lang: str = "id"
    country: str = "id"


MPASPOR = AppConfig(
    key="mpaspor",
    name="M-Paspor",
    play_package="id.go.imigrasi.paspor_online",
    appstore_id="1576336459",
    twitter_query=DEFAULT_TWITTER_QUERY,
)


@dataclass(frozen=True)
class Settings:
    db_path: Path = DEFAULT_DB
    apps: tuple[AppConfig, ...] = (MPASPOR,)
    author_salt: str = "suara-default-salt"
    salt_source: str = "default"  # $SUARA_SALT, suara.toml, the salt file (suara/salt.py) or default
    config_path: Path | None = None
    alert_min_count: int = 5
    log_file: Path | None = None
    extra: dict = field(default_factory=dict)

    def app(self, key: str) -> AppConfig:
        for a in self.apps:
            if a.key == key:
                return a
        known = ", ".join(a.key for a in self.apps)
        raise ConfigError(f"unknown app '{key}': configured apps are {known} (see suara.toml [apps.*])")


def _parse_apps(raw: dict, where: Path) -> tuple[AppConfig, ...]:
    apps = []
    for key, spec in raw.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: [apps.{key}] must be a table")
        allowed = set(AppConfig.__dataclass_fields__) - {"key"}
        unknown = set(spec) - allowed
        if unknown:
            raise ConfigError(
                f"{where}: [apps.{key}] has unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}"
            )
        spec = dict(spec)
        if "appstore_countries" in spec:
            spec["appstore_countries"] = tuple(spec["appstore_countries"])
        apps.append(AppConfig(key=key, name=spec.pop("name", key), **spec))
    return tuple(apps)


def load_settings(config: str | Path | None = None, db: str | Path | None = None) -> Settings:
    """Read settings from the config file (if any) and the environment; flags win."""
    explicit = config or os.environ.get("SUARA_CONFIG")
    path = Path(explicit) if explicit else Path("suara.toml")
    raw: dict = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file or pass --config") from exc
    elif explicit:
        raise ConfigError(
            f"config file {path} not found; create it (see suara.toml.example) or drop --config"
        )

    suara = raw.get("suara", {})
    db_path = db or os.environ.get("SUARA_DB") or suara.get("db")
    if (
        db_path
        and not Path(db_path).is_absolute()
        and not db
        and "SUARA_DB" not in os.environ
        and path.exists()
    ):
        db_path = path.resolve().parent / db_path  # relative to the config file
    apps = _parse_apps(raw["apps"], path) if raw.get("apps") else (MPASPOR,)
    log_file = suara.get("log_file")
    db_path = Path(db_path) if db_path else DEFAULT_DB
    config_path = path if path.exists() else None
    salt, salt_source = _author_salt(suara, config_path, db_path)
    return Settings(
        db_path=db_path,
        apps=apps,
        author_salt=salt,
        salt_source=salt_source,
        config_path=config_path,
        alert_min_count=int(raw.get("alerts", {}).get("min_count", Settings.alert_min_count)),
        log_file=Path(log_file) if log_file else None,
        extra=raw,
    )


def _author_salt(suara: dict, config_path: Path | None, db_path: Path) -> tuple[str, str]:
    """The salt for author hashes and where it came from: $SUARA_SALT, suara.toml, the salt file
    beside the config (or the database) that `suara init` creates, else the public default."""
    from suara.salt import read_salt, salt_path

    if os.environ.get("SUARA_SALT"):
        return os.environ["SUARA_SALT"], "$SUARA_SALT"
    if suara.get("author_salt"):
        return str(suara["author_salt"]), f"author_salt in {config_path}"
    path = salt_path(config_path, db_path)
    value = read_salt(path)
    if value:
        return value, str(path)
    return Settings.author_salt, "default"
