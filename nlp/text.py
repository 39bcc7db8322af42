"""Indonesian review text -> normalized tokens: clean, normalize slang, drop stop words, stem.

Everything here is a pure function of the text and two data files, the slang lexicon and the office
gazetteer (for place names), so the same preprocessing runs in training, evaluation, `suara predict`,
`suara classify` and anywhere else nlp is imported. The loaders take each file's path; without one they
use nlp.resources' (the repository's data/, or $SUARA_NLP_DATA_DIR) and read each file once per path.

Choices: emoji and other symbols are dropped (consistently); numbers are dropped except that the
Indonesian plural "2" ("lama2" -> "lama lama") is expanded; letters repeated three or more times are
squashed ("errorrr" -> "error", "tolonggg" -> "tolong").
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

from nlp import resources
from nlp.offices import Office, load_offices

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_EMAIL = re.compile(r"\S+@\S+\.\S+")
_REDUP = re.compile(r"\b([a-z]{2,})2\b")  # lama2 -> lama lama
_REPEAT = re.compile(r"([a-z])\1{2,}")
_NON_WORD = re.compile(r"[^a-z]+")
_WORD = re.compile(r"[a-z]+")
_SENTENCE_END = re.compile(r"[.!?;\n]+")

# Words Sastrawi's stop list would drop but that carry a complaint ("kode OTP tidak masuk").
KEEP_WORDS = frozenset(
    """tidak belum bukan gagal bisa dapat kurang masuk masalah lama baru hari keluar kembali lagi
    tanggal jam waktu bulan minggu tunggu menunggu sudah lambat cepat mudah susah sulit terus
    kali sekali ulang awal akhir jauh dekat sendiri buka dibuka tanya jawab jawaban balas dibalas
    mau ingin harus mohon tolong lanjut kerja bekerja berhasil benar salah""".split()
)


SENTENCE_MARK = (
    "zqkalimatqz"  # stands for a sentence end inside a cleaned text (letters only, so it survives)
)


def clean(text: str, mark_sentences: bool = False) -> str:
    """Lowercase and strip what carries no meaning for the categories (URLs, mentions, symbols).

    With ``mark_sentences``, each sentence end (. ! ? ; line breaks, after URLs and e-mail addresses
    are gone) becomes the token SENTENCE_MARK, so one pass gives the text and its sentences.
    """
    text = (text or "").lower()
    # each pattern runs only where it can match: most reviews have no link, address or "2"
    if "http" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(" email ", text)
        text = _MENTION.sub(" ", text)
    if mark_sentences:
        text = _SENTENCE_END.sub(f" {SENTENCE_MARK} ", text)
    text = text.replace("#", " ")
    if "2" in text:
        text = _REDUP.sub(r"\1 \1", text)
    text = _REPEAT.sub(r"\1", text)
    return _NON_WORD.sub(" ", text).strip()


def _words_unsquashed(text: str) -> list[str]:
    """``clean(text, mark_sentences=True).split()`` but for the squash of stretched letters, which is
    left to each token (``CachedStemmer.expand``, remembered per token): a run of one letter lies inside
    one word, so squashing the words one by one gives the same tokens, without a regex pass over every
    text."""
    text = (text or "").lower()
    if "http" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(" email ", text)
        text = _MENTION.sub(" ", text)
    text = _SENTENCE_END.sub(f" {SENTENCE_MARK} ", text)
    if "2" in text:
        text = _REDUP.sub(r"\1 \1", text)  # "#" needs no space: it is no word character either way
    return _WORD.findall(text)


def slang_lexicon(path: str | Path | None = None) -> dict[str, str]:
    """The slang -> standard lexicon at ``path``, else data/lexicon/slang.csv; empty when the file is absent."""
    return _slang_lexicon(Path(path) if path else resources.SLANG_FILE)


@cache
def _slang_lexicon(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["slang"].strip(): _squash(row["normal"]) for row in csv.DictReader(fh) if row.get("slang")
        }


def _squash(text: str) -> str:
    return " ".join(clean(text).split())


def normalize_tokens(tokens: list[str], lexicon: dict[str, str] | None = None) -> list[str]:
    """Replace slang tokens by their standard form (a form may be several words)."""
    lex = slang_lexicon() if lexicon is None else lexicon
    out: list[str] = []
    for tok in tokens:
        norm = lex.get(tok)
        if norm is None:
            out.append(tok)
        else:
            out.extend(norm.split())
    return out


def normalize(text: str) -> str:
    """Cleaned text with slang normalized: the input of the character n-grams."""
    return " ".join(normalize_tokens(clean(text).split()))


@cache
def stop_words() -> frozenset[str]:
    """Sastrawi's stop words minus the words that carry a complaint (KEEP_WORDS)."""
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

    return frozenset(StopWordRemoverFactory().get_stop_words()) - KEEP_WORDS


_EXPANDED_MAX = 500_000  # endless typos must not grow the per-token memo without bound


class CachedStemmer:
    """Sastrawi with a per-token memo: reviews repeat a small vocabulary, so each word is stemmed once.

    Names of places are protected (Sastrawi turns "bekasi" into "bekas"), and so are domain terms.
    """

    def __init__(self, protected: frozenset[str] = frozenset()):
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

        self._stemmer = StemmerFactory().create_stemmer()
        self._cache: dict[str, str] = {w: w for w in protected}
        self._expanded: dict[str, tuple] = {}

    def __call__(self, token: str) -> str:
        stem = self._cache.get(token)
        if stem is None:
            stem = self._stemmer.stem(token) or token
            self._cache[token] = stem
        return stem

    def expand(self, token: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """A cleaned token (stretched letters squashed here if not yet) -> (its normalized tokens: slang resolved, places as PLACE_TOKEN; their stemmed
        content words), remembered per token: a review's words are mostly ones seen before."""
        found = self._expanded.get(token)
        if found is None:
            lexicon, places, stops = slang_lexicon(), place_words(), stop_words()
            word = _REPEAT.sub(r"\1", token)  # as clean() squashes "errorrr"; a no-op on a clean token
            norm = tuple(PLACE_TOKEN if t in places else t for t in lexicon.get(word, word).split())
            found = (norm, tuple(self(t) for t in norm if t not in stops and len(t) > 1))
            if len(self._expanded) < _EXPANDED_MAX:
                self._expanded[token] = found
        return found

    def stems(self, tokens) -> dict[str, str]:
        """Each token's stem: what a saved model ships (``remember``) so that scoring starts warm."""
        return {t: self(t) for t in tokens}

    def remember(self, stems: dict[str, str]) -> None:
        """Take stems computed before (by Sastrawi, for the same words); a token already known keeps its own:
        Sastrawi costs ~0.1-0.4 ms a new word, seconds for the vocabulary of a batch of real reviews."""
        for token, stem in stems.items():
            self._cache.setdefault(token, stem)

    def uncached(self, token: str) -> str:
        """Sastrawi's algorithm itself: the factory's stemmer keeps a memo of its own, bypassed here."""
        return getattr(self._stemmer, "delegatedStemmer", self._stemmer).stem(token) or token

    def __getstate__(self):  # the Sastrawi object is rebuilt on load, not serialized
        return {"cache": self._cache}

    def __setstate__(self, state):
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

        self._stemmer = StemmerFactory().create_stemmer()
        self._cache = state["cache"]
        self._expanded = {}


DOMAIN_TERMS = frozenset(
    """nik ktp otp kanim ulp paspor mpaspor imigrasi dukcapil pnbp billing login email aplikasi error
    update upload server loading""".split()
)


def _gazetteer(path: str | Path | None) -> Path:
    return Path(path) if path else resources.OFFICES_FILE


@cache
def _offices(path: Path) -> tuple[Office, ...]:
    """The office gazetteer, read once for the word lists below (empty when the file is absent)."""
    return tuple(load_offices(path)) if path.exists() else ()


def protected_words(offices: str | Path | None = None) -> frozenset[str]:
    """Place names from the office gazetteer (``offices``, else data/offices.csv) plus domain terms:
    never stemmed."""
    return _protected_words(_gazetteer(offices))


@cache
def _protected_words(path: Path) -> frozenset[str]:
    words = set(DOMAIN_TERMS)
    for office in _offices(path):
        words.update(clean(" ".join((office.city, office.province, *office.aliases))).split())
    return frozenset(words)


def default_stemmer(offices: str | Path | None = None) -> CachedStemmer:
    """The shared stemmer protecting the words of ``protected_words(offices)``: one per gazetteer."""
    return _default_stemmer(_gazetteer(offices))


@cache
def _default_stemmer(path: Path) -> CachedStemmer:
    return CachedStemmer(_protected_words(path))


PLACE_TOKEN = "namatempat"
# Words of place names that are also ordinary words ("malang" = unlucky, "serang" = attack) or generic
# ("barat", "kota"): they are left as they are.
_NOT_PLACES = frozenset(
    """barat timur utara selatan tengah tenggara besar di daya raya pusat kepulauan nusa kuala muara balai
    bandar tanjung pangkalan natal bun enim uban dabo pandan malang palu serang bima pati bone pinang agam
    banda pangkal labuan bajo siak pematang""".split()
)
_EXTRA_PLACES = "jaksel jakpus jakbar jakut jaktim jabodetabek jogja jogjakarta solo sumatra ntt ntb".split()


def place_words(offices: str | Path | None = None) -> frozenset[str]:
    """City and province words from the office gazetteer (``offices``, else data/offices.csv): a review
    that names far-away places ("the nearest office is in Timika") says the same thing whichever places
    it names, so they share a token."""
    return _place_words(_gazetteer(offices))


@cache
def _place_words(path: Path) -> frozenset[str]:
    words = set(_EXTRA_PLACES)
    for office in _offices(path):
        words.update(clean(f"{office.city} {office.province}").split())
    return frozenset(w for w in words if len(w) > 3) - _NOT_PLACES


Segment = tuple[list[str], list[str]]  # one sentence: (normalized tokens, stemmed content words)


def segments(text: str, stemmer: CachedStemmer | None = None) -> list[Segment]:
    """One pass over a text -> its sentences, each as (normalized tokens for the character n-grams,
    stemmed content words for the word n-grams). The whole text is all of them together, so a review
    is preprocessed once and its sentence scores reuse the same tokens."""
    expand = (stemmer or default_stemmer()).expand
    out: list[Segment] = []
    tokens: list[str] = []
    words: list[str] = []
    for tok in _words_unsquashed(text):
        if tok == SENTENCE_MARK:
            if tokens:
                out.append((tokens, words))
                tokens, words = [], []
            continue
        norm, stems = expand(tok)
        tokens += norm
        words += stems
    if tokens:
        out.append((tokens, words))
    return out


class Segmented(dict):
    """text -> ``segments(text)``, computed on first use: one batch's texts segmented once for every
    model that reads them (the complaint model and the sentiment model of `suara classify`)."""

    def __missing__(self, text: str) -> list[Segment]:
        value = self[text] = segments(text)
        return value


def preprocess(text: str, stemmer: CachedStemmer | None = None) -> tuple[str, str]:
    """A text -> (normalized text for char n-grams, stemmed content words for word n-grams)."""
    parts = segments(text, stemmer)
    return " ".join(t for tokens, _ in parts for t in tokens), " ".join(
        w for _, words in parts for w in words
    )


def sentences(text: str, min_words: int = 2) -> list[str]:
    """The sentences of a raw text (split at . ! ? ; and line breaks, "..." included) of min_words or more."""
    return [s for s in (part.strip() for part in _SENTENCE_END.split(text)) if len(s.split()) >= min_words]
