"""Text features: character n-gram TF-IDF plus word n-gram flags, for whole reviews and their sentences.

A review is preprocessed once (``nlp.text.segments``: its sentences as normalized tokens and stemmed
content words); its whole-text row and one row per sentence are built from those same tokens.

- Character 3-5-grams of each normalized word (scikit-learn's "char_wb" n-grams: a word padded with one
  space each side), sublinear TF, IDF, L2-normalized: robust to typos ("eror"/"erorr") and glued words,
  and they carry most of the signal on real reviews.
- Word 1-2-grams of the stemmed content words, within a sentence, as unnormalized presence flags
  scaled by ``word_weight``: a complaint phrase weighs the same in a one-liner and in a long rant.

The fitted state is plain data (two vocabularies and the IDF vector), saved as arrays (``to_arrays``)
and restored without unpickling anything. Transforming looks each word up once in a memo of its
n-gram ids: reviews reuse a small vocabulary, and scikit-learn's per-character analyzer loop was two
thirds of `suara classify` before (bench/README.md).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from nlp.text import Segment

_MEMO_MAX = 500_000  # words remembered per featurizer; endless typos must not grow it without bound


def char_wb_ngrams(word: str, lo: int, hi: int) -> list[str]:
    """The "char_wb" n-grams of one word, exactly as scikit-learn's analyzer makes them."""
    w = f" {word} "
    out = []
    for n in range(lo, hi + 1):
        if len(w) <= n:  # a short word counts once, whole
            out.append(w)
            break
        out.extend(w[i : i + n] for i in range(len(w) - n + 1))
    return out


def word_ngrams(words: list[str]) -> list[str]:
    """Unigrams and bigrams of one sentence's stemmed content words."""
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass
class Rows:
    """Feature rows of a batch: the whole texts, then their sentences; ``owner`` maps a sentence to its text."""

    whole: sp.csr_matrix
    sentences: sp.csr_matrix
    owner: np.ndarray


class TextFeatures:
    """Fit the vocabularies on segmented texts; turn segmented texts into feature rows."""

    def __init__(
        self,
        char_ngrams: tuple[int, int] = (3, 5),
        char_max_features: int = 60000,
        char_min_df: int = 2,
        word_weight: float = 0.2,
        min_sentence_tokens: int = 2,
    ):
        self.char_ngrams = tuple(char_ngrams)
        self.char_max_features = char_max_features
        self.char_min_df = char_min_df
        self.word_weight = word_weight
        self.min_sentence_tokens = min_sentence_tokens

    def params(self) -> dict:
        return {
            "char_ngrams": list(self.char_ngrams),
            "char_max_features": self.char_max_features,
            "char_min_df": self.char_min_df,
            "word_weight": self.word_weight,
            "min_sentence_tokens": self.min_sentence_tokens,
        }

    # -- fitting ----------------------------------------------------------------------------------
    def fit(self, docs: list[list[Segment]]) -> TextFeatures:
        lo, hi = self.char_ngrams
        df: Counter = Counter()
        word_vocab: dict[str, int] = {}
        grams_of: dict[str, list[str]] = {}
        for doc in docs:
            seen: set[str] = set()
            for tokens, words in doc:
                for tok in tokens:
                    grams = grams_of.get(tok)
                    if grams is None:
                        grams = grams_of[tok] = char_wb_ngrams(tok, lo, hi)
                    seen.update(grams)
                for g in word_ngrams(list(words)):
                    word_vocab.setdefault(g, len(word_vocab))
            df.update(seen)
        n = len(docs)
        kept = [(g, c) for g, c in df.items() if c >= self.char_min_df]
        # the n-grams in most documents first (ties by the n-gram)
        kept.sort(key=lambda gc: (-gc[1], gc[0]))
        kept = sorted(kept[: self.char_max_features])
        self.char_terms = [g for g, _ in kept]
        self.char_idf = np.array([np.log((1 + n) / (1 + c)) + 1 for _, c in kept], dtype=np.float32)
        self.word_terms = sorted(word_vocab)
        self._index()
        return self

    def _index(self) -> None:
        self._char_vocab = {g: i for i, g in enumerate(self.char_terms)}
        self._word_vocab = {g: i for i, g in enumerate(self.word_terms)}
        self._memo: dict[str, list[int]] = {}

    @property
    def n_features(self) -> int:
        return len(self.word_terms) + len(self.char_terms)

    # -- saving -----------------------------------------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "char_terms": np.array(self.char_terms, dtype=str),
            "char_idf": self.char_idf,
            "word_terms": np.array(self.word_terms, dtype=str),
        }

    @classmethod
    def from_arrays(cls, params: dict, arrays) -> TextFeatures:
        feats = cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in params.items()})
        feats.char_terms = arrays["char_terms"].tolist()
        feats.char_idf = np.asarray(arrays["char_idf"], dtype=np.float32)
        feats.word_terms = arrays["word_terms"].tolist()
        feats._index()
        return feats

    # -- transforming -----------------------------------------------------------------------------
    def transform(self, docs: list[list[Segment]], sentences: bool = True) -> Rows:
        """Rows of the whole texts and (with ``sentences``) of each text's sentences, when a text has two
        or more sentences of ``min_sentence_tokens`` tokens or more.

        Each sentence is counted once; a text's counts are the sum of its sentences' (one sparse product),
        so the tokens of a long review are looked up once however many rows they appear in.
        """
        pieces: list[Segment] = []
        doc_of: list[int] = []
        sent_pieces: list[int] = []
        owner: list[int] = []
        min_tokens = self.min_sentence_tokens
        for i, doc in enumerate(docs):
            first = len(pieces)
            pieces.extend(doc)
            doc_of.extend([i] * len(doc))
            if sentences and len(doc) > 1:
                long = [first + j for j, s in enumerate(doc) if len(s[0]) >= min_tokens]
                if len(long) > 1:
                    sent_pieces.extend(long)
                    owner.extend([i] * len(long))
        chars, words = self._counts(pieces)
        ones = np.ones(len(doc_of), np.float32)
        to_docs = sp.csr_matrix(
            (ones, (np.asarray(doc_of, np.int64), np.arange(len(doc_of)))), shape=(len(docs), len(pieces))
        )
        n_sent = len(sent_pieces)
        to_sents = sp.csr_matrix(
            (np.ones(n_sent, np.float32), (np.arange(n_sent), np.asarray(sent_pieces, np.int64))),
            shape=(n_sent, len(pieces)),
        )
        return Rows(
            self._finish(to_docs @ chars, to_docs @ words),
            self._finish(to_sents @ chars, to_sents @ words),
            np.asarray(owner, dtype=np.int64),
        )

    def _counts(self, pieces: list[Segment]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Raw n-gram counts per sentence: characters (duplicates not yet summed) and words."""
        lo, hi = self.char_ngrams
        memo, char_vocab, word_vocab = self._memo, self._char_vocab, self._word_vocab
        if len(memo) > _MEMO_MAX:
            memo.clear()
        get, pair = word_vocab.get, "{} {}".format
        c_ind: list[int] = []
        c_ptr = [0]
        w_ind: list[int] = []
        w_ptr = [0]
        for tokens, words in pieces:
            for tok in tokens:
                ids = memo.get(tok)
                if ids is None:
                    ids = memo[tok] = [char_vocab[g] for g in char_wb_ngrams(tok, lo, hi) if g in char_vocab]
                c_ind += ids
            c_ptr.append(len(c_ind))
            if words:  # word_ngrams(words)'s ids, in its order (unigrams, then bigrams), without the list
                w_ind += [i for i in map(get, words) if i is not None]
                w_ind += [i for i in map(get, map(pair, words, words[1:])) if i is not None]
            w_ptr.append(len(w_ind))
        n = len(pieces)
        chars = sp.csr_matrix(
            (np.ones(len(c_ind), np.float32), np.asarray(c_ind, np.int32), np.asarray(c_ptr, np.int64)),
            shape=(n, len(self.char_terms)),
        )
        words_m = sp.csr_matrix(
            (np.ones(len(w_ind), np.float32), np.asarray(w_ind, np.int32), np.asarray(w_ptr, np.int64)),
            shape=(n, len(self.word_terms)),
        )
        return chars, words_m

    def _finish(self, chars: sp.csr_matrix, words: sp.csr_matrix) -> sp.csr_matrix:
        """Summed counts -> features: sublinear TF x IDF, L2-normalized characters; scaled word flags."""
        chars = chars.tocsr()  # a sparse product: each (row, n-gram) once, so the counts are complete
        np.log(chars.data, out=chars.data)
        chars.data += 1
        chars.data *= self.char_idf[chars.indices]
        if chars.nnz:
            lengths = np.diff(chars.indptr)
            row = np.repeat(np.arange(chars.shape[0]), lengths)
            norms = np.sqrt(
                np.bincount(row, weights=chars.data.astype(np.float64) ** 2, minlength=chars.shape[0])
            )
            chars.data /= norms[row].astype(np.float32)
        words = words.tocsr()
        words.data.fill(self.word_weight)  # presence flags
        return sp.hstack([words, chars], format="csr", dtype=np.float32)
