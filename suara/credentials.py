"""Credentials: read from the environment (or a file suara.toml names), checked before use, never echoed.

Secrets (the X bearer token, the Instagram Graph API token, the webhook and healthcheck URLs) live in
environment variables, never in suara.toml or the database; a token may instead sit in a file whose
path suara.toml gives (``secret_file``: ``[instagram] token_file``). ``credential(name)`` returns a
checked value: a value pasted with a line break, a space, quotes or a ``Bearer`` prefix fails with
``CredentialError`` (a configuration error: one line naming the variable or file, what is wrong with
it and where, never the value), so a malformed token never reaches an HTTP library whose error
message would quote it. A token read from a file is scrubbed like the environment's from then on.

Whatever is said about a secret anyway, ``secret_forms`` lists every way it can appear in a message:
as set, stripped, split at its line breaks (a message folded to one line), escaped (``repr``, JSON,
bytes) and URL-encoded. ``suara.redact.scrub`` removes them all from every text Suara stores, shows,
logs or sends.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

from suara.config import ConfigError

TOKEN_ENV = "X_BEARER_TOKEN"
INSTAGRAM_TOKEN_ENV = "SUARA_INSTAGRAM_TOKEN"  # a Meta Graph API access token (ingest/instagram.py)
TOKENS = (TOKEN_ENV, INSTAGRAM_TOKEN_ENV)
URL_ENV = ("SUARA_WEBHOOK_URL", "SUARA_HEALTHCHECK_URL")
SECRET_ENV = (*TOKENS, *URL_ENV)
MIN_SECRET = 6  # shorter values are not scrubbed from text (they would match ordinary words)
MIN_PIECE = 8  # a part of a secret (between line breaks) scrubbed on its own
# An X bearer token is URL-safe text: letters, digits and %-escapes (AAAA...%2F...%3D...).
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9%_.~+/=\-]+")


class CredentialError(ConfigError):
    """A credential is set but unusable; the message names the variable and the fault, not the value."""


def _describe(ch: str) -> str:
    names = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab", " ": "a space"}
    if ch in names:
        return names[ch]
    if ch in "\"'":
        return "a quote"
    if not ch.isprintable():
        return f"a control character (U+{ord(ch):04X})"
    return f"the character {ch!r}" if ch.isascii() else f"a non-ASCII character (U+{ord(ch):04X})"


def _token_fault(value: str) -> str | None:
    """What is wrong with a token, without quoting it ("it contains a space at character 5 of 40")."""
    if value.lower().startswith("bearer "):
        return "it starts with 'Bearer ': set the token alone (Suara adds the prefix)"
    bad = next((i for i, ch in enumerate(value) if not _TOKEN_CHARS.fullmatch(ch)), None)
    if bad is not None:
        return f"it contains {_describe(value[bad])} at character {bad + 1} of {len(value)}"
    return None


def problem(name: str, value: str) -> str | None:
    """What is wrong with the (stripped) value of ``name``, without quoting it; None if it looks usable."""
    if name in TOKENS:
        fault = _token_fault(value)
        if fault and "Bearer" in fault:
            return f"{name} starts with 'Bearer ': set the token alone (Suara adds the prefix)"
        if fault:
            return (
                f"{name} is malformed: {fault}; copy the token again as one line and export {name} "
                "(the value is not shown)"
            )
        return None
    bad = next((i for i, ch in enumerate(value) if ch.isspace() or not ch.isprintable()), None)
    if bad is not None:
        return (
            f"{name} is malformed: it contains {_describe(value[bad])} at character {bad + 1} of {len(value)}; "
            f"set it again as one line (the value is not shown)"
        )
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        return f"{name} is not an http(s) URL with a host; set it to the full URL (the value is not shown)"
    return None


def credential(name: str) -> str | None:
    """The checked value of the secret ``name`` (surrounding whitespace removed), None if unset or blank.

    Raises ``CredentialError`` when it is set but malformed; the message never contains the value.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    fault = problem(name, value)
    if fault:
        raise CredentialError(fault)
    return value


_FILE_SECRETS: set[str] = set()  # secrets read from files named in suara.toml, scrubbed like the others


def secret_file(path, name: str) -> str | None:
    """The checked secret in the file ``path`` (``name``: the setting naming it, for messages), None if
    the file is empty. It is scrubbed from every message from now on, like an environment secret.

    Raises ``CredentialError`` (the file unreadable or the value malformed), never quoting the value.
    """
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise CredentialError(
            f"{name} {path} cannot be read ({reason}); check the path and its permissions"
        ) from None
    if not value:
        return None
    fault = _token_fault(value)
    if fault:
        raise CredentialError(
            f"the token in {path} ({name}) is malformed: {fault}; write the token alone on one line "
            "(the value is not shown)"
        )
    _FILE_SECRETS.add(value)
    return value


def secret_forms(value: str) -> set[str]:
    """Every form in which ``value`` may appear in a message (at least ``MIN_PIECE`` characters for parts)."""
    forms: set[str] = set()
    for v in {value, value.strip()}:
        if len(v) < MIN_SECRET:
            continue
        forms |= {
            v,
            repr(v)[1:-1],
            json.dumps(v)[1:-1],
            json.dumps(v, ensure_ascii=False)[1:-1],
            repr(v.encode("utf-8", "backslashreplace"))[2:-1],
            v.encode("unicode_escape").decode("ascii"),
            quote(v, safe=""),
            quote(v),
            quote_plus(v),
        }
        forms |= {p for p in re.split(r"\s+", v) if len(p) >= MIN_PIECE}
        if "://" in v:  # a URL without its scheme, and its path (where a webhook's secret is)
            rest = v.split("://", 1)[1]
            forms |= {rest, rest[rest.find("/") :] if "/" in rest else ""}
        # repr forms escape twice when a message quotes a repr (a logged exception's args)
        forms |= {f.replace("\\", "\\\\") for f in list(forms) if "\\" in f}
    return {f for f in forms if len(f) >= MIN_SECRET}


@lru_cache(maxsize=8)
def _pattern(values: tuple[str, ...]) -> re.Pattern | None:
    forms = set().union(*(secret_forms(v) for v in values)) if values else set()
    if not forms:
        return None
    return re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))


def scrub_secrets(text: str, placeholder: str = "[SECRET]") -> str:
    """``text`` with every form of every secret environment value (set now) replaced by ``placeholder``."""
    values = tuple(v for k in SECRET_ENV if (v := os.environ.get(k))) + tuple(sorted(_FILE_SECRETS))
    pattern = _pattern(values)
    return pattern.sub(placeholder, text) if pattern and text else text
