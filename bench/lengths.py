"""`suara predict` inputs with the lengths of real M-Paspor reviews, built from the demo phrase bank only.

Why: the demo generator's texts are short (one to three fragments, about 50 characters), while real
Play Store reviews run to several sentences (median about 70 characters, a tail past 500), and the
model's cost grows with both: every character feeds the character n-grams, and every text of two or
more sentences is scored sentence by sentence as well (``nlp.model.ComplaintModel.first_stage``). A predict figure
measured on demo texts would flatter the model.

What is recorded: ``bench/real_lengths.json`` holds numbers only, never a text: the percentiles
(0, 1, ..., 100) of the review length in characters (code points) and, for 20 equal-count groups of
the reviews ordered by length, how many reviews have 0, 1, ..., 12+ sentences as the model counts them
(``nlp.text.sentences``: split at . ! ? ; and line breaks, two words or more). It was computed once
from ../shared/real/mpaspor_play_unlabeled.jsonl with ``python -m bench.lengths`` (which rewrites it
when ../shared is beside the checkout).

How texts are built: draw u ~ U(0, 1); the length is the percentile table at u (linearly
interpolated), the number of sentences comes from u's group; the sentences share the length, each
made of whole phrases of data/demo/phrases.toml (category phrases, generic remarks, openers, closers)
joined by the demo's in-sentence fillers, the sentences separated by its sentence-ending fillers. No
phrase is cut: a sentence ends with a phrase exactly as long as what is left of its share when there
is one (the bank has phrases of every length up to 50), so texts come out as long as drawn or a
character or two shorter. Same seed, same texts;
the files are cached under bench/.corpus/ like the other corpora.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import random
import re
import sys
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from suara import demo

HERE = Path(__file__).resolve().parent
LENGTHS_FILE = HERE / "real_lengths.json"
REAL_FILE = HERE.parent.parent / "shared" / "real" / "mpaspor_play_unlabeled.jsonl"
CORPUS_DIR = HERE / ".corpus"
GROUPS, MAX_SENTENCES = 20, 12
_SENTENCE_END = re.compile(r"[.!?;\n]")  # as nlp.text splits sentences


# -- the recorded distribution -------------------------------------------------------------------------
def measure(path: Path) -> dict:
    """The length and sentence figures of the reviews in a JSONL file (field ``text``); numbers only."""
    from nlp.text import sentences

    with Path(path).open(encoding="utf-8") as fh:
        texts = [str(json.loads(line)["text"]) for line in fh if line.strip()]
    if len(texts) < GROUPS:
        raise ValueError(f"{path}: {len(texts)} reviews; need at least {GROUPS}")
    pairs = sorted((len(t), min(len(sentences(t)), MAX_SENTENCES)) for t in texts)
    n = len(pairs)
    lengths = [length for length, _ in pairs]

    def percentile(p: int) -> float:  # linear interpolation between ranks, as numpy's default
        pos = p / 100 * (n - 1)
        i = int(pos)
        j = min(i + 1, n - 1)
        return round(lengths[i] + (lengths[j] - lengths[i]) * (pos - i), 1)

    histograms = []
    for g in range(GROUPS):
        counts = [0] * (MAX_SENTENCES + 1)
        for _, k in pairs[g * n // GROUPS : (g + 1) * n // GROUPS]:
            counts[k] += 1
        histograms.append(counts)
    return {
        "n": n,
        "mean_length": round(sum(lengths) / n, 1),
        "length_percentiles": [percentile(p) for p in range(101)],
        "sentence_histograms": histograms,
    }


def record(src: Path = REAL_FILE, out: Path = LENGTHS_FILE) -> dict:
    """Measure ``src`` and write the figures, with how they were computed, to ``out``."""
    figures = measure(src)
    doc = {
        "about": (
            "Length distribution of real M-Paspor Play Store reviews, numbers only (no text): "
            "length_percentiles[p] is the p-th percentile of the length in characters (code points, "
            "linear interpolation); sentence_histograms[g][k] counts the reviews of the g-th of 20 "
            "equal-count groups (ordered by length) with k sentences as nlp.text.sentences counts them "
            f"(the last column is {MAX_SENTENCES} or more). Recompute: python -m bench.lengths."
        ),
        "source": f"../shared/real/{src.name}",
        **figures,
    }
    lines = ["{"]
    items = list(doc.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i + 1 < len(items) else ""
        if key == "sentence_histograms":
            rows = ",\n".join("    " + json.dumps(h) for h in value)
            lines.append(f'  "{key}": [\n{rows}\n  ]{comma}')
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    out.write_text("\n".join(lines + ["}"]) + "\n", encoding="utf-8")
    return doc


@lru_cache(maxsize=2)
def recorded(path: Path = LENGTHS_FILE) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


# -- the phrase bank ------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def pieces() -> tuple[str, ...]:
    """Every demo phrase with no sentence end inside, placeholders filled once (fixed seed)."""
    ph = demo.load_phrases()
    rng = random.Random(0)
    raw = [p for c in demo.CATEGORIES for p in ph["categories"][c]["phrases"]]
    raw += [*ph["generic"], *ph["openers"], *ph["closers_negative"], *ph["closers_positive"]]
    raw += ph["closers_neutral"]
    out = []
    for p in dict.fromkeys(raw):
        p = p.replace("{office}", rng.choice(ph["offices"])).replace("{n}", str(rng.randint(2, 9)))
        if not _SENTENCE_END.search(p):
            out.append(p)
    return tuple(out)


@lru_cache(maxsize=1)
def separators() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The demo's fillers and joiners by what they do: (in a sentence, between sentences, between
    sentences without words of their own, such as ". ")."""
    ph = demo.load_phrases()
    every = list(dict.fromkeys([*ph["fillers"], *ph["contrast"], *ph["joiners"]]))
    inside = tuple(s for s in every if not _SENTENCE_END.search(s))
    between = tuple(s for s in every if _SENTENCE_END.search(s))
    bare = tuple(s for s in between if not s.strip(" .!?;\n"))
    return inside, between, bare


class _Pool:
    """Phrases ordered by length, to draw one that fits what is left of a sentence."""

    def __init__(self, items: list[str]):
        ordered = sorted(items, key=lambda p: (len(p), p))
        self.items, self.lengths = ordered, [len(p) for p in ordered]

    def fit(self, rng: random.Random, room: int) -> str | None:
        """A phrase exactly ``room`` long if there is one, else any shorter one (None: none fits)."""
        hi = bisect.bisect_right(self.lengths, room)
        if hi == 0:
            return None
        lo = bisect.bisect_left(self.lengths, room)
        return self.items[rng.randrange(lo, hi)] if lo < hi else self.items[rng.randrange(hi)]


class _Builder:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        figures = recorded()
        self.q = figures["length_percentiles"]
        self.cum = []
        for counts in figures["sentence_histograms"]:
            acc, cum = 0, []
            for c in counts:
                acc += c
                cum.append(acc)
            self.cum.append(cum)
        every = pieces()
        self.any = _Pool(list(every))
        self.multi = _Pool([p for p in every if len(p.split()) >= 2])
        self.single = _Pool([p for p in every if len(p.split()) == 1])
        self.inside, self.between, self.bare = separators()

    def draw(self) -> tuple[int, int]:
        """(length, sentences) of one review."""
        rng, q = self.rng, self.q
        u = rng.random()
        pos = u * 100
        i = min(int(pos), 99)
        length = max(1, round(q[i] + (q[i + 1] - q[i]) * (pos - i)))
        cum = self.cum[min(int(u * GROUPS), GROUPS - 1)]
        k = bisect.bisect_right(cum, rng.random() * cum[-1])
        return length, min(k, MAX_SENTENCES)

    def sentence(self, room: int, pool: _Pool, first: _Pool, joiners: tuple[str, ...]) -> list[str]:
        """Phrases joined by ``joiners`` up to ``room`` characters; the first from ``first`` if one fits."""
        rng = self.rng
        piece = first.fit(rng, room) or pool.fit(rng, room) or pool.items[0]
        parts, used = [piece], len(piece)
        while True:
            sep = rng.choice(joiners)
            piece = pool.fit(rng, room - used - len(sep))
            if piece is None:
                return parts
            parts += [sep, piece]
            used += len(sep) + len(piece)

    def text(self) -> list[str]:
        """One review as its parts: phrase, separator, phrase, ... (joined, they are the text)."""
        rng = self.rng
        length, k = self.draw()
        if k == 0:  # one-word sentences only, e.g. "mantap. 👍"
            return self.sentence(length, self.single, self.single, self.bare)
        seps = [rng.choice(self.between) for _ in range(k - 1)]
        room = length - sum(len(s) for s in seps)
        weights = [rng.uniform(0.5, 1.5) for _ in range(k)]
        total = sum(weights)
        parts: list[str] = []
        for i, w in enumerate(weights):
            if i:
                parts.append(seps[i - 1])
            parts += self.sentence(max(1, round(room * w / total)), self.any, self.multi, self.inside)
        return parts


def generate(n: int, seed: int) -> Iterator[list[str]]:
    """``n`` reviews as lists of parts (phrase, separator, phrase, ...); ``"".join(parts)`` is the text."""
    builder = _Builder(seed)
    for _ in range(n):
        yield builder.text()


# -- the cached input files ----------------------------------------------------------------------------
def corpus_tag() -> str:
    """A short hash of what the texts depend on: this module, the recorded figures, the phrase bank."""
    h = hashlib.sha256()
    for path in (Path(__file__), LENGTHS_FILE, demo.PHRASES):
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:8]


def corpus_path(n: int, seed: int, directory: Path = CORPUS_DIR) -> Path:
    return directory / f"predict-reallen-{n}-seed{seed}-{corpus_tag()}.jsonl"


def ensure_corpus(n: int, seed: int, directory: Path = CORPUS_DIR) -> tuple[Path, float | None]:
    """The cached `suara predict` input ({"id", "text"} per line) of ``n`` reviews; (path, seconds spent
    writing it, None when it was already there)."""
    path = corpus_path(n, seed, directory)
    if path.exists():
        return path, None
    started = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="\n") as fh:
        for i, parts in enumerate(generate(n, seed)):
            fh.write(json.dumps({"id": f"len-{i}", "text": "".join(parts)}, ensure_ascii=False) + "\n")
    partial.replace(path)
    return path, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.lengths",
        description="Recompute bench/real_lengths.json (numbers only) from the real reviews.",
    )
    p.add_argument(
        "--real", type=Path, default=REAL_FILE, help=f"JSONL with a 'text' field (default {REAL_FILE})"
    )
    a = p.parse_args(argv)
    if not a.real.exists():
        print(
            f"{a.real}: not found; the real reviews live in ../shared/real beside the checkout",
            file=sys.stderr,
        )
        return 2
    doc = record(a.real)
    print(
        f"wrote {LENGTHS_FILE} from {doc['n']:,} reviews (mean length {doc['mean_length']})", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
