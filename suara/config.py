"""Configuration: which database, which apps to watch, where data lives.

Precedence for the database path: ``--db`` flag > ``SUARA_DB`` env > ``suara.toml`` > the default
``data/suara.duckdb``. The salt for author hashes: ``SUARA_SALT`` > ``author_salt`` in suara.toml >
the per-installation salt file `suara init` creates (suara/salt.py) > a public default. The config
file is ``--config``, else ``SUARA_CONFIG``, else ``./suara.toml``; without one, Suara watches
M-Paspor (the default below), so a fresh clone works as it is. A value of the wrong type (``db = 5``,
``min_count = "x"``, a string where a table belongs) is a ``ConfigError`` naming the file, the table
and the key, never a traceback later.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
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
    # Google Play filters reviews by language (hl): each one listed is read, a review found in two once
    langs: tuple[str, ...] = ("id", "en")
    country: str = "id"
    # WhatsApp chat imports: the office's own names or numbers in the chats, whose messages are replies
    whatsapp_office_senders: tuple[str, ...] = ()
    # the institution's Instagram professional account (its numeric IG user id): comments on its posts
    instagram_user_id: str | None = None


MPASPOR = AppConfig(
    key="mpaspor",
    name="M-Paspor",
    play_package="id.go.imigrasi.paspor_online",
    appstore_id="1576336459",
    twitter_query=DEFAULT_TWITTER_QUERY,
)


class DigestLang(StrEnum):
    """The nightly digest's languages (suara/digest.py): `suara nightly --lang`, ``[digest] lang``."""

    id = "id"
    en = "en"


@dataclass(frozen=True)
class Settings:
    db_path: Path = DEFAULT_DB
    apps: tuple[AppConfig, ...] = (MPASPOR,)
    author_salt: str = "suara-default-salt"
    salt_source: str = "default"  # $SUARA_SALT, suara.toml, the salt file (suara/salt.py) or default
    config_path: Path | None = None
    alert_min_count: int = 5
    digest_lang: str = "id"  # the nightly digest's language: id (Bahasa Indonesia) or en
    log_file: Path | None = None
    extra: dict = field(default_factory=dict)

    def app(self, key: str) -> AppConfig:
        for a in self.apps:
            if a.key == key:
                return a
        known = ", ".join(a.key for a in self.apps)
        raise ConfigError(f"unknown app '{key}': configured apps are {known} (see suara.toml [apps.*])")


def _table(raw: dict, key: str, where: Path) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key} must be a table ([{key}]), not {value!r}")
    return value


def _text(table: dict, key: str, where: str) -> str | None:
    """An optional non-empty string setting; anything else is a ConfigError naming it."""
    value = table.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(f"{where} {key} must be a non-empty string in quotes, not {value!r}")
    return value


def _parse_apps(raw: dict, where: Path) -> tuple[AppConfig, ...]:
    apps = []
    for key, spec in raw.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: [apps.{key}] must be a table")
        allowed = set(AppConfig.__dataclass_fields__) - {"key"}
        unknown = set(spec) - allowed
        if "lang" in unknown:
            raise ConfigError(
                f'{where}: [apps.{key}] lang is now a list, langs: write langs = ["{spec["lang"]}"] '
                '(default ["id", "en"]: Google Play shows each language\'s reviews apart)'
            )
        if unknown:
            raise ConfigError(
                f"{where}: [apps.{key}] has unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}"
            )
        spec = dict(spec)
        for field_name in allowed - {"appstore_countries", "langs", "whatsapp_office_senders"}:
            _text(spec, field_name, f"{where}: [apps.{key}]")
        if "appstore_countries" in spec:
            countries = spec["appstore_countries"]
            if not isinstance(countries, list) or not all(isinstance(c, str) and c for c in countries):
                raise ConfigError(
                    f'{where}: [apps.{key}] appstore_countries must be a list of country codes like ["id"], '
                    f"not {countries!r}"
                )
            spec["appstore_countries"] = tuple(countries)
        if "langs" in spec:
            spec["langs"] = _langs(spec["langs"], f"{where}: [apps.{key}] langs")
        if "whatsapp_office_senders" in spec:
            senders = spec["whatsapp_office_senders"]
            if not isinstance(senders, list) or not all(isinstance(x, str) and x.strip() for x in senders):
                raise ConfigError(
                    f"{where}: [apps.{key}] whatsapp_office_senders must be a list of the office's names or "
                    f'numbers in its chats, like ["Kanim Jaksel", "+62 21 1234 5678"]; not {senders!r}'
                )
            spec["whatsapp_office_senders"] = tuple(senders)
        apps.append(AppConfig(key=key, name=spec.pop("name", key), **spec))
    return tuple(apps)


def _langs(value, where: str) -> tuple[str, ...]:
    """A non-empty list of language codes, each once, in the order given."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(
            f'{where} must be a non-empty list of language codes, e.g. ["id", "en"]; not {value!r}'
        )
    return tuple(dict.fromkeys(v.strip() for v in value))


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

    suara = _table(raw, "suara", path)
    for key in ("db", "author_salt", "log_file"):
        _text(suara, key, f"{path}: [suara]")
    alerts = _table(raw, "alerts", path)
    min_count = alerts.get("min_count", Settings.alert_min_count)
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ConfigError(f"{path}: [alerts] min_count must be a whole number >= 1, not {min_count!r}")
    digest_lang = _table(raw, "digest", path).get("lang", Settings.digest_lang)
    if digest_lang not in tuple(DigestLang):
        raise ConfigError(
            f'{path}: [digest] lang must be "id" (Bahasa Indonesia) or "en", not {digest_lang!r}'
        )
    db_path = db or os.environ.get("SUARA_DB") or suara.get("db")
    if (
        db_path
        and not Path(db_path).is_absolute()
        and not db
        and "SUARA_DB" not in os.environ
        and path.exists()
    ):
        db_path = path.resolve().parent / db_path  # relative to the config file
    apps = _parse_apps(_table(raw, "apps", path), path) if raw.get("apps") else (MPASPOR,)
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
        alert_min_count=min_count,
        digest_lang=digest_lang,
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
