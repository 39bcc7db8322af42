"""Wiring between the store and the classifier: find the model in use, classify new feedback, evaluate.

nlp/ stays a pure batch function over texts; this module feeds it batches from the store and writes
the labels back in bulk, one transaction per batch, so a killed run loses at most one batch and the
next run picks up exactly the rows that are still unclassified. A label outside the item's app's
taxonomy scope (``apps`` in data/taxonomy.toml: no immigration office for a health-insurance app) is
dropped before it is written: the model was trained on M-Paspor and would otherwise say so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from nlp import model as nlp_model
from nlp.dataset import load_labelled
from nlp.evaluate import evaluate
from nlp.offices import OfficeMatcher
from nlp.sentiment import SentimentModel
from suara.config import DATA_DIR, MPASPOR, ROOT, AppConfig
from suara.model_labels import BATCH_ROWS, feedback_to_classify, pending_classification, save_model_labels
from suara.store import STAMP_MARGIN, Store, first_row, utcnow
from suara.taxonomy import app_identifiers, load_taxonomy

log = logging.getLogger(__name__)

TEST_FILE = DATA_DIR / "labels" / "test.jsonl"
# Real labelled reviews, beside a checkout only (../shared/real): the dev set is for evaluation (and the
# promotion gate), never for training; suara/training.py names the training file beside it.
REAL_DEV_FILE = ROOT.parent / "shared" / "real" / "mpaspor_play_dev_labelled.jsonl"


def evaluate_file(path: Path, predict: Callable[[list[str], list], list[list[str]]]) -> dict:
    """``nlp.evaluate.evaluate`` of ``predict(texts, ratings)`` (a model's or the keyword baseline's) on a
    labelled JSONL file."""
    tax = load_taxonomy()
    data = load_labelled(path, tax.ids)
    return evaluate(data.labels, predict(data.texts, data.ratings), tax.ids, tax.headline_ids)


@dataclass(frozen=True)
class ClassifyRun:
    """What ``run_classify`` did."""

    model_version: str
    pending: int  # rows the model had to classify when the run began
    done: int  # rows it classified (fewer only if the run stopped early)


def run_classify(
    open_store: Callable[[], AbstractContextManager[Store]],
    *,
    batch_size: int = BATCH_ROWS,
    apps: tuple[AppConfig, ...] = (),
    workers: int = 0,
    models_dir: Path | None = None,
    started: Callable[[str, int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ClassifyRun:
    """One classification run as `suara classify` and the nightly run it: the store's model (registered
    as current), the pending work found in one scan, its rows classified, and the run recorded in
    ``runs`` (failed, with a one-line message, if it stops). Nothing pending: no run is recorded.

    The model is loaded while no connection is open (it takes a while; the dashboard can read
    meanwhile). ``workers`` 0: ``default_workers`` (no pool for a single batch). ``started(version,
    pending)`` is called before the first batch, ``progress(n)`` after each. Raises ``NoModel`` (no
    model trained yet) and ``ModelUnusable`` like ``resolve_model_dir`` and ``load_model``."""
    from suara.batch_scoring import default_workers
    from suara.model_files import ensure_registered, load_model, resolve_model_dir
    from suara.redact import one_line
    from suara.sentiment import load_sentiment

    with open_store() as store:
        path = resolve_model_dir(store, models_dir=models_dir)
    model = load_model(path)
    sentiment = load_sentiment(path)
    with open_store() as store:
        ensure_registered(store, path)
        clock = utcnow()  # before the scan: every row stamped up to here is in it
        cover = Cover(model.version, sentiment.model_id if sentiment else None, store.schema_version)
        work = pending_work(store, model, sentiment, batch_size, since=cover.since(store, clock))
        if not work.to_classify and not work.sentiment_only:
            cover.record(store, clock)
            return ClassifyRun(model.version, 0, 0)
        if started:
            started(model.version, work.to_classify)
        run_id = store.start_run("classify")
        done = 0

        def counted(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(n)

        try:
            classify_pending(
                store,
                model,
                batch_size,
                progress=counted,
                apps=apps,
                sentiment=sentiment,
                workers=workers or default_workers(work.to_classify, batch_size),
                pending=work,
            )
        except BaseException as exc:
            try:
                store.finish_run(run_id, "failed", message=one_line(exc), updated=done)
            except Exception:
                log.warning("could not mark classify run %s failed", run_id)
            raise
        cover.record(store, clock)
        store.finish_run(run_id, "success", message=f"model {model.version}", updated=done)
    return ClassifyRun(model.version, work.to_classify, done)


@dataclass(frozen=True)
class Cover:
    """What a finished classify run records (the store's state ``classify/covered``): every row stamped
    before T was classified by this model, with this sentiment model, under this schema. The next run's
    pending scan then reads only the rows stamped since (``pending_work``'s ``since``).

    A row needs the classifier again only when it is new or its content changed, and the upsert stamps
    ``last_seen_at`` on both (suara/upsert.py); the store's clock contract (``STAMP_MARGIN``,
    suara/store.py) bounds how far before T such a stamp can fall. At 1M rows the full scan costs about
    0.3 s a night against a few milliseconds for the rows since. Anything else (another model or sentiment
    model, a migration, a clock now earlier than T, no record: a first run, a run that stopped) scans
    every row, and that run records the cover anew."""

    model: str
    sentiment: str | None
    schema: int

    KEY = ("classify", "", "covered")

    def since(self, store: Store, clock: datetime) -> datetime | None:
        """The stamp from which rows may be pending, or None to scan every row."""
        try:
            got = json.loads(store.get_state(*self.KEY) or "null")
            through = datetime.fromisoformat(got.pop("through"))
        except (ValueError, TypeError, KeyError, AttributeError):  # none recorded, or not ours
            return None
        return through - STAMP_MARGIN if got == asdict(self) and through <= clock else None

    def record(self, store: Store, clock: datetime) -> None:
        store.set_state(*self.KEY, json.dumps({**asdict(self), "through": clock.isoformat()}, sort_keys=True))


def classify_pending(
    store: Store,
    model: nlp_model.ComplaintModel,
    batch_size: int = BATCH_ROWS,
    offices: OfficeMatcher | None = None,
    progress: Callable[[int], None] | None = None,
    apps: tuple[AppConfig, ...] = (),
    sentiment: SentimentModel | None = None,
    workers: int = 1,
    pending: PendingWork | None = None,
) -> int:
    """Label every row the current model has not seen (or whose content changed); returns how many.

    ``apps``: the configured apps, whose Play package or App Store id a taxonomy scope may name. With a
    ``sentiment`` model, each batch's sentiment is scored and saved beside its labels (suara/sentiment.py's
    ``TextSentiment``); then rows still without a current sentiment are caught up on. ``workers`` > 1
    scores the batches in that many forked processes while this one reads and writes the store
    (suara/batch_scoring.py; the same rows are written either way). ``pending``: what ``pending_work``
    found just before, on this connection: its rows are read by id when they fit in one batch, and the
    sentiment catch-up (a scan of every row) is skipped when it said no row needs it."""
    from suara.batch_scoring import BatchScorer, scored_batches
    from suara.sentiment import save_sentiment, score_pending

    scorer = BatchScorer(
        model, _scope_mask(model.categories, apps), offices or OfficeMatcher.load(), sentiment
    )
    done = 0
    if pending is not None and pending.rows is not None:
        ids, seen = pending.rows
        batches = nullcontext([feedback_to_classify(store, ids, seen)] if ids else [])
    else:  # closed on the way out, an error included: the cursor's unfinished result blocks the connection
        batches = closing(pending_classification(store, model.version, batch_size))
    with batches as stream:
        for scored in scored_batches(scorer, stream, workers):
            save_model_labels(store, scored.classified, scored.labels, scored.offices)
            if scored.sentiment is not None:
                save_sentiment(store, scored.sentiment)
            done += scored.rows
            if progress:
                progress(scored.rows)
    if sentiment is not None and (pending is None or pending.sentiment_only > 0):
        score_pending(store, sentiment, batch_size, scorer=scorer.text_sentiment)
    return done


@dataclass(frozen=True)
class PendingWork:
    """What a classify run has to do, from one scan of the feedback (``pending_work``)."""

    to_classify: int  # rows the model has not classified, or whose content changed since
    sentiment_only: int  # rows classified already that lack a current sentiment
    # (ids, seen) of the rows to classify, when one batch holds them
    rows: tuple[list[str], list[bool]] | None = None


def pending_work(
    store: Store,
    model: nlp_model.ComplaintModel,
    sentiment: SentimentModel | None = None,
    batch_size: int = BATCH_ROWS,
    since: datetime | None = None,
) -> PendingWork:
    """The rows to classify and the rows that need only a sentiment, in one scan of the feedback; when
    the rows to classify fit in one batch, their ids too. ``since``: only rows stamped (``last_seen_at``)
    at or after it can be pending (``Cover``); None scans every row.

    At 1M rows a scan of the feedback joined with its classifications costs about 0.3 s, against 0.1 s
    to classify a nightly's thousand new reviews (issue 18). ``classify_pending`` given this result
    reads those rows through the id index instead of scanning for them again, and skips its sentiment
    catch-up scan when ``sentiment_only`` is 0 (every row it classifies gets a sentiment)."""
    sentiment_sql = (
        "s.feedback_id IS NULL OR s.model_id <> $m OR s.content_hash <> f.content_hash"
        if sentiment is not None
        else "false"
    )
    join = "LEFT JOIN feedback_sentiment s ON s.feedback_seq = f.seq" if sentiment is not None else ""
    params = {"v": model.version, "one": batch_size, **({"m": sentiment.model_id} if sentiment else {})}
    n, only, rows = first_row(
        store.con,
        f"""
        SELECT count(*) FILTER (WHERE classify), count(*) FILTER (WHERE NOT classify AND needs_sentiment),
               CASE WHEN count(*) FILTER (WHERE classify) <= $one
                    THEN list(struct_pack(id := id, seen := seen) ORDER BY id) FILTER (WHERE classify) END
        FROM (SELECT f.id, c.feedback_id IS NOT NULL AS seen,
                     c.feedback_id IS NULL OR c.model_version <> $v OR c.content_hash <> f.content_hash AS classify,
                     {sentiment_sql} AS needs_sentiment
              FROM feedback f LEFT JOIN classifications c ON c.feedback_seq = f.seq {join}
              {"WHERE f.last_seen_at >= $since" if since is not None else ""})
        """,
        params | ({"since": since} if since is not None else {}),
    )
    found = None
    if n <= batch_size:
        rows = rows or []
        found = ([r["id"] for r in rows], [bool(r["seen"]) for r in rows])
    return PendingWork(int(n), int(only), found)


def _scope_mask(categories: list[str], apps: tuple[AppConfig, ...]) -> Callable[[list[str]], np.ndarray]:
    """app ids of a batch -> a (rows x categories) mask of the labels in each app's taxonomy scope
    (a category the taxonomy does not know is kept: the model's own business). No ``apps``: the default
    configuration's (M-Paspor), so a caller without a suara.toml never loses M-Paspor's scoped categories."""
    apps = apps or (MPASPOR,)
    tax = load_taxonomy()
    known = set(tax.ids)
    rows: dict[str, np.ndarray] = {}

    def row(app_id: str) -> np.ndarray:
        if app_id not in rows:
            allowed = set(tax.ids_for(app_identifiers(app_id, apps)))
            rows[app_id] = np.array([c in allowed or c not in known for c in categories], dtype=bool)
        return rows[app_id]

    return lambda app_ids: np.array([row(a) for a in app_ids], dtype=bool).reshape(
        len(app_ids), len(categories)
    )
