"""A reply draft from the templates in data/replies.toml: one coherent text for all a review's categories.

Only safe values fill the placeholders: the office the review names (its gazetteer short name, found by
nlp.offices), the app version the store reported, the help channels of the templates. Nothing of the
review's text is copied, so no personal data can reach a reply; ``check`` also refuses a text (an
analyst's edit) in which nlp.pii.mask finds personal data, or one over the target store's limit.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from nlp.pii import mask
from suara.config import DATA_DIR

TEMPLATES_FILE = DATA_DIR / "replies.toml"
_VERSION_OK = frozenset("0123456789.")


class TemplateError(Exception):
    """data/replies.toml is missing a key or has one that does not read; the message names it."""


@dataclass(frozen=True)
class Templates:
    greeting: str
    closing: str
    praise: str
    generic: str
    help: str
    office_fallback: str
    version_fallback: str
    max_categories: int
    limits: dict[str, int]
    category: dict[str, str]

    def limit(self, source: str) -> int | None:
        return self.limits.get(source)


def load_templates(path: str | Path = TEMPLATES_FILE) -> Templates:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return Templates(
            **{k: raw[k] for k in ("greeting", "closing", "praise", "generic", "help")},
            office_fallback=raw["office_fallback"],
            version_fallback=raw["version_fallback"],
            max_categories=int(raw["max_categories"]),
            limits={k: int(v) for k, v in raw["limits"].items()},
            category=dict(raw["category"]),
        )
    except FileNotFoundError:
        raise TemplateError(f"reply templates {path} not found; it ships with Suara in data/") from None
    except (KeyError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise TemplateError(f"{path}: {exc!r} is missing or invalid; see the comments at its top") from None


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def compose(
    tpl: Templates,
    categories: list[str],
    headline: list[str],
    source: str,
    office: str | None = None,
    version: str | None = None,
) -> str:
    """The draft for a review with ``categories`` on ``source``; fits the store's limit."""
    safe_version = version if version and set(version) <= _VERSION_OK else tpl.version_fallback
    values = {"office": office or tpl.office_fallback, "version": safe_version, "help": tpl.help}
    complaints = [c for c in categories if c != "praise" and c in tpl.category]
    if not complaints and "praise" in categories:
        return _fill(tpl.praise, values)
    complaints.sort(key=lambda c: (c not in headline, categories.index(c)))
    sentences = [tpl.category[c] for c in complaints[: tpl.max_categories]] or [tpl.generic]
    limit = tpl.limit(source)
    while True:
        text = _fill(" ".join([tpl.greeting, *sentences, tpl.closing]), values)
        if limit is None or len(text) <= limit or len(sentences) == 1:
            return text[:limit] if limit else text
        sentences.pop()


def check(text: str, source: str, tpl: Templates) -> str | None:
    """Why ``text`` cannot be approved for ``source`` (too long, empty, personal data), or None."""
    if not text.strip():
        return "the reply is empty"
    limit = tpl.limit(source)
    if limit is not None and len(text) > limit:
        return f"the reply has {len(text)} characters; {source} accepts at most {limit}"
    if mask(text) != text:
        return "the reply contains personal data (NIK, phone, e-mail or passport number); remove it"
    return None
