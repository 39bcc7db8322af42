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
        or more sentences of ``min_sentence_tokens`` tokens or more."""
        whole_rows: list[list[Segment]] = []
        sent_rows: list[list[Segment]] = []
        owner: list[int] = []
        for i, doc in enumerate(docs):
            whole_rows.append(doc)
            if sentences:
                long = [s for s in doc if len(s[0]) >= self.min_sentence_tokens]
                if len(long) > 1:
                    sent_rows.extend([s] for s in long)
                    owner.extend([i] * len(long))
        matrix = self._rows(whole_rows + sent_rows)
        n = len(whole_rows)
        return Rows(matrix[:n], matrix[n:], np.asarray(owner, dtype=np.int64))

    def _rows(self, rows: list[list[Segment]]) -> sp.csr_matrix:
        lo, hi = self.char_ngrams
        memo, char_vocab, word_vocab = self._memo, self._char_vocab, self._word_vocab
        if len(memo) > _MEMO_MAX:
            memo.clear()
        n_words = len(self.word_terms)
        c_ind: list[int] = []
        c_ptr = [0]
        w_ind: list[int] = []
        w_ptr = [0]
        for row in rows:
            for tokens, words in row:
                for tok in tokens:
                    ids = memo.get(tok)
                    if ids is None:
                        ids = memo[tok] = [
                            char_vocab[g] for g in char_wb_ngrams(tok, lo, hi) if g in char_vocab
                        ]
                    c_ind.extend(ids)
                w_ind.extend(word_vocab[g] for g in word_ngrams(list(words)) if g in word_vocab)
            c_ptr.append(len(c_ind))
            w_ptr.append(len(w_ind))
        shape = len(rows)
        chars = sp.csr_matrix(
            (np.ones(len(c_ind), np.float32), np.asarray(c_ind, np.int32), np.asarray(c_ptr, np.int64)),
            shape=(shape, len(self.char_terms)),
        )
        chars.sum_duplicates()
        np.log(chars.data, out=chars.data)
        chars.data += 1  # sublinear TF
        chars.data *= self.char_idf[chars.indices]
        norms = np.sqrt(np.asarray(chars.multiply(chars).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        chars.data /= np.repeat(norms, np.diff(chars.indptr)).astype(np.float32)
        words = sp.csr_matrix(
            (np.ones(len(w_ind), np.float32), np.asarray(w_ind, np.int32), np.asarray(w_ptr, np.int64)),
            shape=(shape, n_words),
        )
        words.sum_duplicates()
        words.data.fill(self.word_weight)  # presence flags
        return sp.hstack([words, chars], format="csr", dtype=np.float32)
