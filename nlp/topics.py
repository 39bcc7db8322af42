"""Topic discovery: group the texts no category explains into candidate topics, each named by its terms.

Pure (no database, no network, nothing from suara): a list of texts in, a list of ``Topic`` out, the
same for the same texts and seed. The store side (suara/topics.py) chooses the texts and adds the
weekly trend; this module only groups and names them.

1. **Near-duplicates count once.** Texts with the same ``nlp.text.clean`` form (the store's
   ``dup_key``) are one distinct text: a copy-pasted rant posted forty times is clustered and named
   once, while the topic's ``size`` still counts every copy.
2. **Features.** The project's own text features (``nlp.features.TextFeatures``: character n-gram
   TF-IDF plus stemmed word n-gram flags, fitted on the distinct texts themselves), reduced by LSA
   (truncated SVD) and L2-normalized, so Euclidean k-means is cosine k-means.
3. **Grouping.** ``kmeans`` (default; scikit-learn's KMeans, ``n_init`` restarts from ``seed``) or
   ``hdbscan`` (scikit-learn's density clustering: the number of topics found, texts in no dense
   region left out as noise). On the real dump k-means gave the cleaner topics; the comparison is in
   docs/topics.md.
4. **Naming** by class-based TF-IDF as in BERTopic's ``ClassTfidfTransformer``
   (bertopic/vectorizers/_ctfidf.py): each topic's distinct texts are joined into one document, its
   term counts L1-normalized, times ``log(1 + A / f_t)`` with A the average number of terms per topic
   and f_t the term's count over all topics. Terms are the stemmed content-word unigrams and bigrams of
   ``nlp.text.segments``, the vocabulary the classifier's word features use, so a topic's terms can
   be compared with a category's (``category_vocabulary``, ``similar_category``).
5. **Representative texts**: the distinct texts closest to the topic's centroid (cosine in LSA space).

LSA and the grouping run on one thread (BLAS and OpenMP limited by threadpoolctl): their matrices are
small (distinct texts x 100), so extra threads buy little and, on a machine where anything else runs
(the dashboard server, another job), OpenBLAS's spinning threads made them 3-6 times slower (14k
candidates at 1M rows: LSA 0.9-2.7 s and k-means 0.5-1.2 s on two threads, 0.4 s and 0.2 s on one,
the same topics). One thread also makes the result independent of the machine's core count.

``coherence`` scores a set of topics by the mean NPMI of their top terms' co-occurrence in the
distinct texts (Bouma 2009; the measure topic-model papers report), to compare the groupings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from nlp.features import TextFeatures, word_ngrams
from nlp.text import clean, segments

METHODS = ("kmeans", "hdbscan")
LSA_DIMS = 100
MIN_TOPIC_SIZE = 5  # distinct texts; a smaller group is no topic
MAX_SHARE = 0.15  # a term in more of a topic's texts than this, in most topics, names none
SIMILAR_MIN = 0.25  # cosine of a topic's terms and a category's vocabulary above which it is "mirip"


@dataclass(frozen=True)
class Topic:
    """One candidate topic; indices refer to the input list of texts."""

    id: int  # 0.. by size, largest first
    terms: tuple[str, ...]  # most distinctive terms first (stemmed words and word pairs)
    weights: tuple[float, ...]  # their c-TF-IDF weights
    size: int  # texts, every near-duplicate included
    distinct: int  # distinct texts (near-duplicates once)
    members: tuple[int, ...]  # every text of the topic, in input order
    examples: tuple[int, ...]  # the most representative distinct texts, best first
    similar_to: str | None = None  # the category whose vocabulary the terms match ("mirip kategori X")
    similarity: float = 0.0


def default_k(n_distinct: int) -> int:
    """Topics to look for when none is asked: the rule of thumb sqrt(n / 2) of the distinct texts, 3..30
    (a quarter of real uncategorised reviews, ~400 texts: 14; fewer than 3 groups leave nothing to
    contrast a topic's terms with)."""
    return int(min(30, max(3, round(np.sqrt(n_distinct / 2)))))


def _terms_of(docs) -> list[list[str]]:
    return [sorted({g for _, words in doc for g in word_ngrams(list(words))}) for doc in docs]


def discover(
    texts: list[str],
    k: int | None = None,
    seed: int = 0,
    method: str = "kmeans",
    min_size: int = MIN_TOPIC_SIZE,
    n_terms: int = 8,
    n_examples: int = 3,
    vocabulary: dict[str, dict[str, float]] | None = None,
) -> list[Topic]:
    """Candidate topics of ``texts``, largest first (see the module doc). ``k``: topics for k-means
    (default ``default_k``); ignored by hdbscan. ``vocabulary``: per category, weighted terms
    (``category_vocabulary``) to mark topics that match one."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    key_of: dict[str, str] = {}  # a copy-pasted text is cleaned once (half the candidates at 1M rows)
    keys = [key_of[t] if t in key_of else key_of.setdefault(t, " ".join(clean(t).split())) for t in texts]
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key:  # a text without letters has nothing to group by
            first.setdefault(key, i)
    uniq = list(first.values())  # input index of each distinct text
    if len(uniq) < max(2, min_size):
        return []
    docs = [segments(texts[i]) for i in uniq]
    features = TextFeatures(char_min_df=2).fit(docs)
    x = features.transform(docs, sentences=False).whole
    with threadpool_limits(1):  # one thread: see the module doc
        z = _lsa(x, seed)
        labels = _cluster(z, method, k or default_k(len(uniq)), seed, min_size)
    terms = _terms_of(docs)
    groups = [np.flatnonzero(labels == c) for c in sorted(set(labels.tolist()) - {-1})]
    groups = [g for g in groups if len(g) >= min_size]
    if not groups:
        return []
    names = ctfidf(_common_dropped([[terms[j] for j in g] for g in groups]), n_terms)
    slot_of = {key: gi for gi, g in enumerate(groups) for key in (keys[uniq[j]] for j in g)}
    members: list[list[int]] = [[] for _ in groups]
    for i, key in enumerate(keys):
        gi = slot_of.get(key)
        if gi is not None:
            members[gi].append(i)
    out = []
    for gi, g in enumerate(groups):
        centre = z[g].mean(axis=0)
        order = np.argsort(-(z[g] @ centre), kind="stable")[:n_examples]
        top = names[gi]
        similar, sim = similar_category(dict(top), vocabulary) if vocabulary else (None, 0.0)
        out.append(
            Topic(
                id=0,
                terms=tuple(t for t, _ in top),
                weights=tuple(round(w, 6) for _, w in top),
                size=len(members[gi]),
                distinct=len(g),
                members=tuple(members[gi]),
                examples=tuple(uniq[g[j]] for j in order),
                similar_to=similar,
                similarity=sim,
            )
        )
    out.sort(key=lambda t: (-t.size, t.members[0]))
    return [replace(t, id=i) for i, t in enumerate(out)]


def _lsa(x: sp.csr_matrix, seed: int) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    dims = min(LSA_DIMS, x.shape[1] - 1, x.shape[0] - 1)
    if dims < 2:
        return normalize(x.toarray())
    z = TruncatedSVD(n_components=dims, random_state=seed, algorithm="randomized").fit_transform(x)
    return normalize(z)


def _cluster(z: np.ndarray, method: str, k: int, seed: int, min_size: int) -> np.ndarray:
    if method == "kmeans":
        from sklearn.cluster import KMeans

        k = max(1, min(k, len(z) // max(1, min_size)))
        return KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(z)
    from sklearn.cluster import HDBSCAN

    return HDBSCAN(
        min_cluster_size=max(2, min_size), min_samples=max(1, min_size // 2), copy=True
    ).fit_predict(z)


def _common_dropped(groups: list[list[list[str]]]) -> list[list[list[str]]]:
    """Each group's texts' terms minus those in more than ``MAX_SHARE`` of the texts of over half of the
    groups ("aplikasi", "tidak"): a word that fills every topic names none of them (BERTopic leaves
    this to a stop list or max_df; a corpus-wide max_df would also drop a large topic's own words)."""
    spread: Counter = Counter()
    for g in groups:
        df = Counter(t for doc in g for t in doc)
        spread.update(t for t, n in df.items() if n > MAX_SHARE * len(g))
    common = {t for t, n in spread.items() if n > len(groups) / 2} if len(groups) > 2 else set()
    return [[[t for t in doc if t not in common] for doc in g] for g in groups]


def ctfidf(groups: list[list[list[str]]], n_terms: int = 8) -> list[list[tuple[str, float]]]:
    """The ``n_terms`` most distinctive terms of each group (a group: its texts' term lists, each text's
    terms once) by class-based TF-IDF (see the module doc); ties broken by the term itself."""
    counts = [Counter(t for doc in g for t in doc) for g in groups]
    total: Counter = Counter()
    for c in counts:
        total.update(c)
    avg = sum(total.values()) / max(1, len(groups))
    out = []
    for c in counts:
        size = sum(c.values()) or 1
        # a term of one text alone does not name a group (unless the group has no shared term)
        shared = {t: n for t, n in c.items() if n >= 2} or c
        scored = [(t, (n / size) * np.log(1 + avg / total[t])) for t, n in shared.items()]
        scored.sort(key=lambda tw: (-tw[1], tw[0]))
        out.append([(t, float(w)) for t, w in scored[:n_terms]])
    return out


def category_vocabulary(model, n: int = 60) -> dict[str, dict[str, float]]:
    """Per category of a fitted ``nlp.model.ComplaintModel``, its ``n`` word terms with the largest
    positive logistic coefficients (the word features come first in the feature rows)."""
    words = model.features.word_terms
    coef = np.asarray(model.coef[: len(words)])
    vocab = {}
    for j, cat in enumerate(model.categories):
        col = coef[:, j]
        top = np.argsort(-col, kind="stable")[:n]
        vocab[cat] = {words[i]: float(col[i]) for i in top if col[i] > 0}
    return vocab


def similar_category(
    terms: dict[str, float], vocabulary: dict[str, dict[str, float]], minimum: float = SIMILAR_MIN
) -> tuple[str | None, float]:
    """The category whose vocabulary is closest (cosine of the weighted terms) to a topic's terms, and
    the cosine; (None, best cosine) when none reaches ``minimum``."""
    best, best_sim = None, 0.0
    tn = np.sqrt(sum(w * w for w in terms.values())) or 1.0
    for cat, vocab in sorted(vocabulary.items()):
        vn = np.sqrt(sum(w * w for w in vocab.values())) or 1.0
        sim = sum(w * vocab.get(t, 0.0) for t, w in terms.items()) / (tn * vn)
        if sim > best_sim:
            best, best_sim = cat, float(sim)
    return (best if best_sim >= minimum else None), round(best_sim, 4)


def coherence(topics: list[Topic], texts: list[str], top: int = 8) -> float:
    """Mean NPMI of the pairs of each topic's ``top`` terms over the distinct texts (-1..1, higher is
    more coherent; a pair never seen together scores -1)."""
    seen: set[str] = set()
    docs = []
    for t in texts:
        key = " ".join(clean(t).split())
        if key and key not in seen:
            seen.add(key)
            docs.append(set(_terms_of([segments(t)])[0]))
    n = len(docs)
    if not n or not topics:
        return 0.0
    scores = []
    for topic in topics:
        terms = topic.terms[:top]
        df = {t: sum(t in d for d in docs) for t in terms}
        for a in range(len(terms)):
            for b in range(a + 1, len(terms)):
                both = sum(terms[a] in d and terms[b] in d for d in docs)
                if both == 0:
                    scores.append(-1.0)
                    continue
                p_ab = both / n
                pmi = np.log(p_ab / ((df[terms[a]] / n) * (df[terms[b]] / n)))
                scores.append(float(pmi / -np.log(p_ab)) if p_ab < 1 else 1.0)
    return float(np.mean(scores)) if scores else 0.0
