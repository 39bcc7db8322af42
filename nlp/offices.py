"""Immigration-office mentions in feedback text, found with the gazetteer data/offices.csv (located by
nlp.resources, or passed in).

People name the same office many ways: "Kantor Imigrasi Kelas I TPI Bandung", "kanim kls 1 bandung",
"imigrasi bandung", "kanim jaksel". An office is recognised when an office word (kantor imigrasi,
kanim, imigrasi, kantor), optionally followed by its class ("kelas I", "kls 1", "TPI", "non TPI",
"khusus"), precedes one of its place names: the place in its official name, its city when no other
office shares it, and the short forms in the gazetteer's ``aliases`` column. A bare place name
("di bandung") is not a mention: too many of them are not about an office. Aliases that carry an
office word of their own ("ulp ...") also match as written.

Everything is one compiled regular expression over a normalized text (lower case, punctuation as
spaces), so ``find`` stays fast over millions of texts. Pure: no database, no network.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from nlp import resources

COLUMNS = ("office_id", "name", "office_class", "city", "province", "aliases")

_PREFIX = r"(?:kantor imigrasi|kantor imi|kanimsus|kanim|imigrasi|kantor)"
_CLASS = r"(?: (?:kelas|klas|kls|kl)(?: ?(?:iii|ii|i|[123]))?| khusus| tpi| non ?tpi)*"
_PREFIX_RE = re.compile(rf"^{_PREFIX}{_CLASS}(?: |$)")
_OFFICE_WORDS = ("ulp", "unit layanan paspor", "kanimsus", "kanim", "imigrasi", "kantor")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_CLASS_WORDS = re.compile(
    r"^(?:kantor imigrasi|kanim)(?:\s+(?:kelas\s+[ivx\d]+|khusus|non|tpi))*\s+", re.IGNORECASE
)
_STARTS = "|".join(sorted({w[:3] for w in ("kantor", "kanim", "imigrasi", *_OFFICE_WORDS)}))


def normalize(text: str) -> str:
    """Lower case, every run of punctuation or space as one space: the form keys and texts share."""
    return _NON_WORD.sub(" ", text.lower()).strip()


@dataclass(frozen=True)
class Office:
    office_id: str
    name: str
    office_class: str
    city: str
    province: str
    aliases: tuple[str, ...]

    @property
    def short_name(self) -> str:
        """ "Kantor Imigrasi Kelas I Khusus Non TPI Jakarta Selatan" -> "Kanim Jakarta Selatan"."""
        return "Kanim " + _CLASS_WORDS.sub("", self.name).strip()

    @property
    def place(self) -> str:
        """The place in the official name: "Kantor Imigrasi Kelas I TPI Bandung" -> "bandung"."""
        return _PREFIX_RE.sub("", normalize(self.name)).strip()


def load_offices(path: str | Path | None = None) -> list[Office]:
    """The gazetteer at ``path``, else at nlp.resources.OFFICES_FILE."""
    path = Path(path) if path else resources.OFFICES_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"office gazetteer {path} not found; it ships with Suara in data/offices.csv "
            f"(set {resources.ENV_VAR} to the directory holding it, or pass its path)"
        )
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}; expected {', '.join(COLUMNS)}")
        return [
            Office(
                office_id=row["office_id"].strip(),
                name=row["name"].strip(),
                office_class=(row["office_class"] or "").strip(),
                city=(row["city"] or "").strip(),
                province=(row["province"] or "").strip(),
                aliases=tuple(a.strip() for a in (row["aliases"] or "").split(";") if a.strip()),
            )
            for row in reader
            if (row.get("office_id") or "").strip()
        ]


def _pattern(key: str) -> str:
    """A key's regex: its words in order, the space between two words optional ("jak sel" = "jaksel")."""
    return " ?".join(re.escape(w) for w in key.split())


def _compact(key: str) -> str:
    return key.replace(" ", "")


_NEVER = r"(?!x)x"


def _unique(candidates: list[tuple[str, str, int]]) -> tuple[dict[str, str], str]:
    """(compact key -> office_id, regex alternation) for keys that name one office at their best rank.

    Rank 0 (official place name, alias) beats rank 1 (city): "surabaya" is the Surabaya office even
    though the Tanjung Perak office lies in the city of Surabaya too. A key two offices share at the
    same rank ("jakarta") names neither.
    """
    best: dict[str, tuple[int, set[str]]] = {}
    for office_id, key, rank in candidates:
        ck = _compact(key)
        if not ck:
            continue
        have_rank, ids = best.get(ck, (rank, set()))
        if rank < have_rank:
            best[ck] = (rank, {office_id})
        elif rank == have_rank:
            best[ck] = (rank, ids | {office_id})
    keys = {ck: next(iter(ids)) for ck, (_rank, ids) in best.items() if len(ids) == 1}
    spellings = {key for _id, key, _rank in candidates if _compact(key) in keys}
    # Longest first, so "jakarta selatan" wins over a shorter key it starts with.
    alternation = "|".join(_pattern(k) for k in sorted(spellings, key=lambda k: (-len(k), k))) or _NEVER
    return keys, alternation


class OfficeMatcher:
    """Finds which offices a text mentions. Build once (``load``), call ``find`` per text."""

    def __init__(self, offices: list[Office]):
        self.offices = {o.office_id: o for o in offices}
        aliases = [(o.office_id, normalize(a)) for o in offices for a in o.aliases]
        self._places, places = _unique(
            [(o.office_id, o.place, 0) for o in offices]
            + [(i, _PREFIX_RE.sub("", a).strip(), 0) for i, a in aliases]
            + [(o.office_id, normalize(o.city), 1) for o in offices]
        )
        self._aliases, standalone = _unique(
            [(i, a, 0) for i, a in aliases if " " in a and a.startswith(_OFFICE_WORDS)]
        )
        self._regex = re.compile(
            # Every mention starts with an office word: the lookahead skips other positions cheaply.
            rf"(?<![a-z0-9])(?={_STARTS})(?:{_PREFIX}{_CLASS} (?P<place>{places})|(?P<alias>{standalone}))(?![a-z0-9])"
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> OfficeMatcher:
        return cls(load_offices(path))

    def find(self, text: str | None) -> list[str]:
        """Office ids mentioned in ``text``, each once, in order of first mention."""
        if not text:
            return []
        found: list[str] = []
        for m in self._regex.finditer(normalize(text)):
            place, alias = m.group("place"), m.group("alias")
            office_id = self._places.get(_compact(place)) if place else self._aliases.get(_compact(alias))
            if office_id and office_id not in found:
                found.append(office_id)
        return found
