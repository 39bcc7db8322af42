"""The store side of topic discovery: which texts, and is a topic growing.

``find_topics`` reads a period's candidate texts with one SQL query, hands them to
``nlp.topics.discover`` (pure) and adds each topic's weekly trend. The candidates are the classified
feedback of the period that the classifier left without a category, or gave categories only while
unsure (``classifications.confidence``, the closest score's distance to its threshold, below
``LOW_MARGIN``), and that no analyst has decided (``human_reviews``): the complaints nobody has named.
Unclassified feedback is left out (it has no category because it was never scored: `suara classify`).

Emergence uses the alerts' statistics (suara/alerts.py: ``spike_threshold`` and ``dispersion``), over
the topic's own series: its texts in the last 7 days against the days before them in the period (at
most the alerts' 8-week baseline). A topic is ``growing`` when that count is above the negative-binomial
99.9% quantile the past allows and at least ``min_count`` (the alerts' [alerts] min_count), so a topic
that did not exist a month ago and now has 30 texts a week is flagged, and a steady rant is not. With
less than ``MIN_BASELINE_DAYS`` of period before the last week there is no test (``tested`` false).

"mirip kategori X": a topic whose terms are close to a category's vocabulary (the current model's
largest word coefficients, ``nlp.topics.category_vocabulary``) is probably an existing category the
model missed, not a new theme; without a model on disk the comparison is skipped. Loading a model to
read them takes a tenth of a second or more, so ``model_vocabulary`` keeps them per model directory for
the life of the process (the dashboard server's), keyed by the model file's modification time and size
so a retrained or replaced model is read again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

from nlp import topics as nlp_topics
from suara.alerts import ALPHA, BASELINE_DAYS, MIN_BASELINE_DAYS, dispersion, spike_threshold
from suara.config import MODELS_DIR

LOW_MARGIN = 0.05  # below this margin the model is unsure (suara/review_queue.py: ~40-70% wrong)
WINDOW_DAYS = 7
DEFAULT_DAYS = BASELINE_DAYS + WINDOW_DAYS  # the period when none is given: a week and its baseline


@dataclass(frozen=True)
class TopicRow:
    """A discovered topic with its trend, its examples' texts (raw: mask them before showing)."""

    topic: nlp_topics.Topic
    weekly: tuple[int, ...]  # texts per 7-day week of the period, oldest first; the last is the window
    last_week: int
    expected: float  # last week's count the topic's past predicts
    threshold: float  # what the last week had to exceed
    tested: bool  # enough past for the test
    growing: bool
    newest: datetime
    examples: tuple[str, ...]
    member_ids: tuple[str, ...] = ()  # the feedback ids of every member text
    example_ids: tuple[str, ...] = ()  # the feedback ids of ``examples``, in the same order


def candidates(
    con: duckdb.DuckDBPyConnection, since: datetime, until: datetime, low_margin: float = LOW_MARGIN
) -> tuple[list[str], list[datetime], list[str]]:
    """The period's texts nobody has named (see the module doc), oldest first, with their times and ids."""
    rows = con.execute(
        """
        SELECT f.text, f.created_at, f.id
        FROM feedback f JOIN classifications c ON c.feedback_seq = f.seq
        WHERE f.created_at >= $since AND f.created_at < $until
          AND NOT EXISTS (SELECT 1 FROM human_reviews h WHERE h.feedback_id = f.id)
          AND (c.confidence < $low
               OR NOT EXISTS (SELECT 1 FROM effective_labels e WHERE e.feedback_seq = f.seq))
        ORDER BY f.created_at, f.id
        """,
        {"since": since, "until": until, "low": low_margin},
    ).fetchall()
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def latest(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The time of the newest feedback up to a day after now (as suara/records.py admits; a row stored
    before that check with a date in 9999 must not move the period): the default end of the period."""
    from suara.store import utcnow

    cap = utcnow() + timedelta(days=1)
    return con.execute(
        "SELECT max(created_at) FROM feedback WHERE created_at <= $cap", {"cap": cap}
    ).fetchall()[0][0]


_VOCABULARIES: dict[Path, tuple[tuple[int, int], dict]] = {}  # model dir -> (model file stamp, vocabularies)


def model_vocabulary(path: Path) -> dict:
    """The category vocabularies of the model in directory ``path``, read once per version of its model
    file (see the module doc); raises what ``suara.model_files.load_model`` raises."""
    from nlp.model import MODEL_FILE
    from suara.model_files import load_model

    path = Path(path).resolve()
    try:
        st = (path / MODEL_FILE).stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = (-1, -1)  # no model file: load_model says why
    cached = _VOCABULARIES.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    vocab = nlp_topics.category_vocabulary(load_model(path))
    _VOCABULARIES[path] = (stamp, vocab)
    return vocab


def model_path(con: duckdb.DuckDBPyConnection, models_dir: Path = MODELS_DIR) -> Path | None:
    """The directory of the model in use (the store's current one, else the newest on disk), or None."""
    from suara.model_files import NoModel, resolve_model_dir
    from suara.store import current_model

    current = current_model(con)
    path = Path(current["path"]) if current else None
    try:
        return path if path is not None and path.exists() else resolve_model_dir(None, None, models_dir)
    except NoModel:
        return None


def vocabulary(con: duckdb.DuckDBPyConnection, models_dir: Path = MODELS_DIR) -> dict | None:
    """The current model's category vocabularies, or None when no usable model is on disk."""
    from suara.model_files import ModelUnusable, NoModel

    path = model_path(con, models_dir)
    try:
        return None if path is None else model_vocabulary(path)
    except (NoModel, ModelUnusable):
        return None


def trend(
    times: list[datetime], since: datetime, until: datetime, min_count: int, alpha: float = ALPHA
) -> tuple[tuple[int, ...], int, float, float, bool, bool]:
    """(weekly counts oldest first, last week's count, expected, threshold, tested, growing) of one
    topic's texts, the alerts' spike test over its own past (see the module doc)."""
    span = max(1, int(np.ceil((until - since).total_seconds() / 86400)))
    age = np.array([(until - t).total_seconds() // 86400 for t in times], dtype=int)
    daily = np.bincount(np.clip(age, 0, span - 1), minlength=span).astype(float)  # index 0: the last day
    weeks = tuple(int(daily[i : i + WINDOW_DAYS].sum()) for i in range(0, span, WINDOW_DAYS))[::-1]
    observed = int(daily[:WINDOW_DAYS].sum())
    days = min(BASELINE_DAYS, span - WINDOW_DAYS)
    if days < MIN_BASELINE_DAYS:
        return weeks, observed, 0.0, 0.0, False, False
    base = daily[WINDOW_DAYS : WINDOW_DAYS + days]
    total = float(base.sum())
    threshold = spike_threshold(total, days, WINDOW_DAYS, dispersion(base), alpha)
    expected = total * WINDOW_DAYS / days
    return weeks, observed, expected, threshold, True, observed > threshold and observed >= min_count


def find_topics(
    con: duckdb.DuckDBPyConnection,
    since: datetime,
    until: datetime,
    k: int | None = None,
    seed: int = 0,
    min_count: int = 5,
    vocab: dict | None = None,
) -> tuple[int, list[TopicRow]]:
    """(number of candidate texts, their topics), growing ones first, then by last week's count."""
    texts, times, ids = candidates(con, since, until)
    found = nlp_topics.discover(texts, k=k, seed=seed, vocabulary=vocab)
    rows = []
    for t in found:
        member_times = [times[i] for i in t.members]
        weekly, last, expected, threshold, tested, growing = trend(member_times, since, until, min_count)
        rows.append(
            TopicRow(
                topic=t,
                weekly=weekly,
                last_week=last,
                expected=expected,
                threshold=threshold,
                tested=tested,
                growing=growing,
                newest=max(member_times),
                examples=tuple(texts[i] for i in t.examples),
                member_ids=tuple(ids[i] for i in t.members),
                example_ids=tuple(ids[i] for i in t.examples),
            )
        )
    rows.sort(key=lambda r: (not r.growing, -(r.last_week - r.expected), -r.topic.size, r.topic.id))
    return len(texts), rows


def default_period(end: datetime, since: datetime | None) -> tuple[datetime, datetime]:
    """[since, until): until just after ``end`` (the newest text), since 9 weeks before unless given."""
    until = end + timedelta(seconds=1)
    return (since or until - timedelta(days=DEFAULT_DAYS)), until
