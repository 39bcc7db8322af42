"""The per-installation salt for author hashes: a secret file beside the configuration, never in the DB.

Author names are stored only as ``sha256(salt, name)``. With a public salt (the built-in default, or
the placeholder of suara.toml.example) anyone holding the database can test a guessed name against the
hashes, so ``suara init`` writes a random salt to ``.suara-salt`` (mode 0600): beside the config file
when one is in use, else beside the database. The file is created once, atomically and never
overwritten (a second ``init`` keeps it), so hashes stay comparable from run to run.

Where the salt comes from, first found wins: ``$SUARA_SALT``, ``author_salt`` in suara.toml, the salt
file, the default. An existing installation keeps working: until ``suara init`` runs, nothing changes
(the default salt, and ``doctor`` warns). Once the file exists, new items are hashed with it; items
stored before keep the hashes they have (the raw names are gone, so they cannot be rehashed), so the
same author's older and newer items no longer share a hash. No figure in Suara depends on that link.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from suara.config import ConfigError

SALT_FILE = ".suara-salt"
DEFAULT_SALT = "suara-default-salt"
# Values anyone can read in this repository: the built-in default and suara.toml.example's placeholder.
PUBLIC_SALTS = frozenset({DEFAULT_SALT, "change-me-to-a-long-random-string"})


def salt_path(config_path: Path | None, db_path: Path) -> Path:
    """Where this installation's salt file lives: beside the config file, else beside the database."""
    base = Path(config_path).resolve().parent if config_path else Path(db_path).resolve().parent
    return base / SALT_FILE


def read_salt(path: Path) -> str | None:
    """The salt in ``path``, None if there is no such file; ``ConfigError`` if it is unreadable or empty."""
    try:
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"salt file {path} cannot be read ({type(exc).__name__}); fix its permissions "
            f"(the user running Suara must own it) or set $SUARA_SALT"
        ) from None
    if not value:
        raise ConfigError(
            f"salt file {path} is empty; restore it from a backup (author hashes depend on it) or delete it "
            "and run `suara init` to create a new one"
        )
    return value


def create_salt(path: Path) -> bool:
    """Write a new random salt to ``path`` (mode 0600) unless one exists; True if it was created.

    Written to a temporary file first and linked into place, so a crash leaves no half-written salt
    and two processes racing cannot both win.
    """
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_hex(32) + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # fails if another process created it meanwhile: theirs stays
        except FileExistsError:
            return False
    finally:
        tmp.unlink(missing_ok=True)
    return True


def loose_permissions(path: Path) -> bool:
    """True if the salt file can be read by users other than its owner."""
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


def init_salt(settings, hashed_items: int) -> str:
    """`suara init`'s step: create the salt file if no salt is configured; one line saying what holds.

    ``hashed_items``: how many stored items already carry an author hash (made with the old salt).
    """
    if settings.salt_source != "default":
        public = " (a public value: replace it)" if settings.author_salt in PUBLIC_SALTS else ""
        return f"author salt: from {settings.salt_source}{public}"
    path = salt_path(settings.config_path, settings.db_path)
    if not create_salt(path):  # another process made it a moment ago
        return f"author salt: {path}"
    note = (
        f"; the {hashed_items} items stored before keep their old author hashes (see suara/salt.py)"
        if hashed_items
        else ""
    )
    return f"author salt: created {path} (mode 0600; keep it with your backups, never share it){note}"
