"""`suara nightly`: the unattended job. Collect, (re)train if asked, classify, alert, find new topics
(suara/topic_records.py), digest, back up.

With --retrain, a new model becomes current only if the promotion gate finds it not worse on held-out
texts (suara/promotion.py); the step, the log and the run's message say which ("promoted model X: ..."
or "kept model Y: new model X worse on holdout: ...").

Built to be left alone:

- One run per database at a time (``suara.lock``); a second one gets ``LockHeld`` (exit code 3).
- Each source runs in isolation: a failure is recorded (its own ``runs`` row, the digest) and the next
  source goes on. Exit codes: 0 all well, 1 a source or a step failed, 2 a configuration or database
  error, 3 another run holds the lock.
- The database is opened for one step at a time, so the dashboard can read between steps; opening
  retries with backoff for ``write_wait`` seconds while a reader holds the file, then fails that step
  with a message naming the file. After a database error the remaining writing steps are skipped
  (they would wait in vain) but the digest is still written.
- Every write is a transaction of its own (a page of a source, a batch of classification), so a run
  killed at any point leaves a consistent database, and the next run does exactly the work left
  (unclassified rows are found by the store, not remembered by the job). A run row left "running"
  by a killed run is marked failed ("interrupted") by the next one.
- The backup (suara/backup.py: a full copy weekly, an increment of what changed on the other nights)
  comes last, after the run is recorded; a backup that fails (a full disk) leaves no partial copy and turns the recorded run to failed (exit code 1). An OS error in a step
  is logged as one line; only an unexpected error gets its traceback in the log.

The sources are the public ones, with the owner's APIs (play-api, appstore-api) where their credentials
are set (ingest/owner_api.py); which source runs for which app, and the ``[nightly]`` options, are the
plan (suara/nightly_plan.py). The job reads reviews and replies, and never sends a reply itself.

``run_nightly`` is the API (the CLI and the benchmark call it); ``sources`` lets a caller replay
recorded data through the real ``ingest.collect`` or any ``SourceTask`` of its own. It returns a
``NightlyResult`` (suara/nightly_result.py): the steps and the exit code they add up to.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from suara import alerts as alerts_mod
from suara import digest as digest_mod
from suara import topic_records
from suara.backup import backup_database
from suara.classify import run_classify
from suara.config import MODELS_DIR, ConfigError, Settings
from suara.credentials import CredentialError, credential
from suara.human_labels import TRAINED_ON, labels_fingerprint
from suara.lock import JobLock, lock_path_for
from suara.model_files import NoModel
from suara.nightly_plan import SourceTask, default_sources, options
from suara.nightly_result import NightlyResult, Step
from suara.promotion import retrain
from suara.redact import one_line
from suara.store import Store, StoreError, first_row, read_connection, utcnow
from suara.training import TrainConfig, train_config

log = logging.getLogger(__name__)


def run_nightly(
    settings: Settings,
    *,
    sources: list[SourceTask] | None = None,
    only: list[str] | None = None,
    max_items: int | None = None,
    retrain: bool = False,
    as_of: datetime | None = None,
    reports_dir: Path | None = None,
    backups_dir: Path | None = None,
    keep_backups: int | None = None,
    full_backup_days: int | None = None,
    write_wait: float | None = None,
    batch_size: int | None = None,
    webhook_url: str | None = None,
    webhook_client=None,
    client=None,
    policy=None,
    models_dir: Path = MODELS_DIR,
    train: TrainConfig | None = None,
) -> NightlyResult:
    """Run the whole job once under the single-instance lock; raises ``suara.lock.LockHeld`` if another
    run holds it. Unset arguments come from ``[nightly]`` in suara.toml, then the defaults.

    reports_dir / backups_dir default to ``reports/`` and ``backups/`` beside the database;
    keep_backups=0 turns backups off; full_backup_days is how often the backup is a full copy instead of an
    increment (suara/backup.py; 0: always). webhook_url defaults to $SUARA_WEBHOOK_URL. ``train`` (what
    --retrain trains on and holds out) defaults to ``[train]`` in suara.toml (suara/training.py).
    """
    opts = options(settings)
    db_dir = settings.db_path.parent
    job = _Job(
        settings=settings,
        as_of=as_of or utcnow(),
        retrain=retrain,
        reports_dir=reports_dir or opts["reports_dir"] or db_dir / "reports",
        backups_dir=backups_dir or opts["backups_dir"] or db_dir / "backups",
        keep_backups=opts["keep_backups"] if keep_backups is None else keep_backups,
        full_backup_days=opts["full_backup_days"] if full_backup_days is None else full_backup_days,
        write_wait=opts["write_wait_seconds"] if write_wait is None else write_wait,
        batch_size=batch_size or opts["batch_size"],
        webhook_url=webhook_url,
        webhook_client=webhook_client,
        models_dir=models_dir,
        train_config=train,
    )
    tasks = sources if sources is not None else default_sources(settings, only, max_items, client, policy)
    with JobLock(lock_path_for(settings.db_path)):
        return job.run(tasks)


@dataclass
class _Job:
    settings: Settings
    as_of: datetime
    retrain: bool
    reports_dir: Path
    backups_dir: Path
    keep_backups: int
    full_backup_days: int
    write_wait: float
    batch_size: int
    webhook_url: str | None  # None: $SUARA_WEBHOOK_URL, checked when the webhook step runs
    webhook_client: Any
    models_dir: Path
    train_config: TrainConfig | None
    result: NightlyResult = field(init=False)

    def __post_init__(self):
        self.result = NightlyResult(as_of=self.as_of)

    # -- plumbing ---------------------------------------------------------------------------------
    def store(self) -> Store:
        """A write connection for one step (``with self.store() as store:``), closed when it ends."""
        return Store(self.settings.db_path, wait=self.write_wait, salt=self.settings.author_salt)

    @property
    def db_broken(self) -> bool:
        return any(s.severity == "database" for s in self.result.steps)

    def step(self, name: str, fn: Callable[[], Any], failure: str = "error", writes: bool = True) -> Any:
        """Run one step, timed; turn its exception into a recorded failure of the given severity."""
        if writes and self.db_broken:
            self.result.steps.append(Step(name, "skipped", "database unavailable (see the earlier error)"))
            return None
        started = time.monotonic()
        step = Step(name, "success")
        self.result.steps.append(step)
        value = None
        try:
            value = fn()
        except (NoModel, ConfigError) as exc:  # setup to fix, but the database is fine: go on
            step.status, step.severity, step.message = "failed", "config", one_line(exc)
            log.error("%s failed: %s", name, step.message)
        except (StoreError, duckdb.Error) as exc:
            step.status, step.severity, step.message = "failed", "database", one_line(exc)
            log.error("%s failed: %s", name, step.message)
        except Exception as exc:
            step.status, step.severity, step.message = "failed", failure, one_line(exc)
            # A bug gets its traceback in the log; the machine's refusal (a full disk, EROFS) gets one line.
            trace = failure == "error" and not isinstance(exc, OSError)
            log.error("%s failed: %s", name, step.message, exc_info=trace)
        step.seconds = time.monotonic() - started
        if isinstance(value, Step):  # a step that reports its own outcome (skipped, a source failure)
            step.status, step.message, step.severity = value.status, value.message, value.severity
            value = None
        elif step.status == "success" and isinstance(value, str):
            step.message = value
        return value

    # -- the job ------------------------------------------------------------------------------------
    def run(self, tasks: list[SourceTask]) -> NightlyResult:
        r = self.result
        log.info(
            "nightly started on %s (as of %s UTC)", self.settings.db_path, f"{self.as_of:%Y-%m-%d %H:%M}"
        )
        self.step("start", self.begin)
        for task in tasks:
            self.step(f"collect {task.source}/{task.app_id}", functools.partial(self.collect, task), "source")
        if self.retrain:
            self.step("retrain", self.train)
        self.step("classify", self.classify)
        self.step("alerts", self.alerts)
        self.step("topics", self.topics, "notice")  # suara/topic_records.py: new topics, their alerts
        self.step("webhook", self.notify, "notice")
        self.step("digest", self.write_digest, writes=False)
        self.step("finish", self.finish)
        if r.exit_code < 2 and self.keep_backups > 0:
            self.step("backup", self.backup)
        log.info(
            "nightly finished with exit code %d%s",
            r.exit_code,
            f" ({len(r.failures)} failure(s))" if r.failures else "",
        )
        return r

    def begin(self) -> str:
        with self.store() as store:
            closed = store.con.execute(
                "UPDATE runs SET status = 'failed', finished_at = ?, "
                "message = 'interrupted: the process ended before finishing (killed or crashed)' "
                "WHERE status = 'running' RETURNING run_id",
                [utcnow()],
            ).fetchall()
            self.result.interrupted_runs = len(closed)
            if closed:
                log.warning(
                    "closed %d run(s) left 'running' by an interrupted run: %s",
                    len(closed),
                    ", ".join(str(c[0]) for c in closed),
                )
            self.result.run_id = store.start_run("nightly")
        return f"run {self.result.run_id}"

    def collect(self, task: SourceTask) -> Step:
        line = digest_mod.SourceLine(task.app_id, task.source, "failed")
        self.result.sources.append(line)
        try:
            with self.store() as store:
                res = task.run(store)
        except Exception as exc:
            line.message = one_line(exc)
            raise
        line.source = getattr(res, "source", task.source)
        line.status = getattr(res, "status", "success")
        for counter in ("fetched", "new", "updated", "skipped", "errors"):
            setattr(line, counter, int(getattr(res, counter, 0) or 0))
        detail = getattr(res, "detail", None)
        line.message = detail() if callable(detail) else str(getattr(res, "message", "") or "")
        summary = getattr(res, "summary", None)
        log.info("%s", summary() if callable(summary) else f"{task.source}/{task.app_id}: {line.status}")
        if line.status == "failed":
            return Step("", "failed", line.message, severity="source")
        return Step("", "skipped" if line.status == "skipped" else "success", line.message)

    def train(self) -> Step | str:
        """Retrain when the analysts' labels changed since the last training (promoted or not: the store
        keeps the fingerprint of the labels it read, suara/human_labels.py); the promotion gate decides
        whether the new model becomes current (suara/promotion.py)."""
        config = self.train_config or train_config(self.settings)
        with self.store() as store:
            now = labels_fingerprint(store)
            if now is None:
                return Step("", "skipped", "no analyst labels yet")
            if now == store.get_state(*TRAINED_ON):
                return Step("", "skipped", "no analyst labels since the last training")
            reviews = first_row(store.con, "SELECT count(*) FROM human_reviews")[0]
        log.info("retraining with %d analyst-labelled items", reviews)
        trained = retrain(self.store, config, models_dir=self.models_dir, say=log.info)
        self.result.retrained = trained.version
        self.result.retrain_decision = trained.decision.message
        return trained.decision.message

    def classify(self) -> str:
        r = self.result

        def started(version: str, pending: int) -> None:
            r.model_version = version
            log.info("classification started: %d items pending, model %s", pending, version)

        def progress(n: int) -> None:
            r.classified += n
            log.info("classified %d items", r.classified)

        run = run_classify(
            self.store,
            batch_size=self.batch_size,
            apps=self.settings.apps,
            models_dir=self.models_dir,
            started=started,
            progress=progress,
        )
        r.model_version = run.model_version
        if not run.pending:
            return f"nothing new to classify (model {run.model_version})"
        return f"{run.done} items with model {run.model_version}"

    def alerts(self) -> str:
        with self.store() as store:
            new = alerts_mod.detect_and_record(
                store, self.as_of, self.settings.alert_min_count, self.settings.apps
            )
        self.result.new_alerts = new
        return f"{len(new)} new alert(s)"

    def topics(self) -> str:
        r, s = self.result, self.settings
        return topic_records.nightly_step(self.store, s.alert_min_count, self.as_of, r.new_alerts)

    def notify(self) -> Step | str:
        try:
            url = self.webhook_url if self.webhook_url is not None else credential(alerts_mod.WEBHOOK_ENV)
        except CredentialError as exc:  # malformed: never sent to, never echoed; the alerts wait
            return Step("", "failed", f"{exc}; alerts stay unsent", severity="notice")
        if not url:
            return Step("", "skipped", f"no webhook (set {alerts_mod.WEBHOOK_ENV} to send alerts)")
        with self.store() as store:
            pending = alerts_mod.unsent(store)
        if not pending:
            return Step("", "skipped", "no alerts to send")
        if not alerts_mod.send_webhook(url, [m for _, m in pending], self.webhook_client):
            return Step(
                "",
                "failed",
                f"webhook {alerts_mod.redact_url(url)} failed; "
                f"{len(pending)} alert(s) will be retried next run",
                severity="notice",
            )
        with self.store() as store:
            alerts_mod.mark_notified(store, [a for a, _ in pending])
        return f"sent {len(pending)} alert(s)"

    def write_digest(self) -> str:
        r = self.result
        top: list = []
        total = 0
        try:
            with read_connection(self.settings.db_path, wait=min(self.write_wait, 30.0)) as con:
                top, total = digest_mod.top_categories(con, self.as_of), digest_mod.total_items(con)
        except StoreError as exc:  # the digest is most needed when the database is the problem
            log.warning("digest without category figures: %s", exc)
        failures = r.failures + [f"{s.name}: {s.message}" for s in r.steps if s.severity == "notice"]
        d = digest_mod.Digest(
            day=self.as_of.date(),
            ok=r.exit_code == 0,
            sources=r.sources,
            classified=r.classified,
            model=r.model_version,
            alerts=r.new_alerts,
            failures=failures,
            top=top,
            total_items=total,
            lang=self.settings.digest_lang,
            app_names={a.key: a.name for a in self.settings.apps},
        )
        r.digest = digest_mod.write(d, self.reports_dir)
        log.info("digest written to %s", r.digest[0])
        return str(r.digest[0])

    def finish(self) -> str:
        r = self.result
        if r.run_id is None:
            return Step("", "skipped", "no run row to finish")
        lines = r.sources
        summary = (
            f"{sum(s.new for s in lines)} new, {r.classified} classified, {len(r.new_alerts)} alert(s)"
            + (f"; {r.retrain_decision}" if r.retrain_decision else "")
            + (f"; failed: {'; '.join(r.failures)}" if r.failures else "")
        )
        with self.store() as store:
            store.finish_run(
                r.run_id,
                "success" if r.exit_code == 0 else "failed",
                summary[:1000],
                fetched=sum(s.fetched for s in lines),
                new=sum(s.new for s in lines),
                updated=sum(s.updated for s in lines),
                skipped=sum(s.skipped for s in lines),
                errors=sum(s.errors for s in lines),
            )
            store.con.execute("CHECKPOINT")  # everything in the main file before the backup copies it
        return summary

    def backup(self) -> Step | str:
        """Back up the finished database (a full copy or an increment, suara/backup.py); a backup that fails
        also marks the run failed (it was recorded before the backup, which must see the finished run)."""
        try:
            path = backup_database(
                self.settings.db_path, self.backups_dir, self.keep_backups, self.as_of, self.full_backup_days
            )
        except Exception as exc:
            self._mark_failed(f"backup failed: {one_line(exc)}")
            raise
        if path is None:
            return Step(
                "",
                "skipped",
                "another process is writing to the database; no backup tonight",
                severity="notice",
            )
        self.result.backup = path
        kind = "increment" if path.is_dir() else "full copy"
        log.info("backup (%s) written to %s", kind, path)
        return f"{kind} {path}"

    def _mark_failed(self, why: str) -> None:
        if self.result.run_id is None:
            return
        try:
            with self.store() as store:
                store.con.execute(
                    "UPDATE runs SET status = 'failed', message = left(coalesce(message, '') || '; ' || ?, 1000) "
                    "WHERE run_id = ?",
                    [why, self.result.run_id],
                )
        except Exception as exc:  # the disk may still be full: the log and the exit code say it
            log.warning("could not mark run %s failed: %s", self.result.run_id, one_line(exc))
