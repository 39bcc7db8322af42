"""The DuckDB store: opening the file, bulk idempotent upserts, models, runs and state.

DuckDB lets one process open a file read-write, or any number read-only, never both at once. Suara
decides once, here: writers (CLI, nightly job) hold a connection only for the work they do, and the
dashboard opens a short-lived read-only connection per query (``read_connection``). Both retry on the
lock error for a bounded time, then fail with ``StoreLocked`` naming the file.

All timestamps are stored as UTC without a zone. Each feedback row carries ``dup_key``, its
near-duplicate key (the ``near_duplicate_key`` macro of migration 4, computed in SQL on upsert; why a
stored column: suara/review_queue.py), and ``seq``, its number in the order the store received it
(migration 11), which the tables joined with the feedback on every page carry as ``feedback_seq``.

The upsert's SQL is suara/upsert.py (``Store.upsert_feedback`` runs it), on a batch laid out by
suara/feedback_batch.py. The schema itself, version by version, is suara/migrations.py (``Store``
applies what a file lacks on opening); the model's labels are read for and written back by
suara/model_labels.py and the analysts' by suara/human_labels.py, both through a ``Store``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from suara.migrations import SCHEMA_VERSION, apply_migration, migration_failed, schema_version
from suara.redact import scrub
from suara.upsert import Batch, UpsertCounts, upsert

if TYPE_CHECKING:  # pyarrow is imported where it is used: `suara import FILE` into a new store needs none
    import pyarrow as pa

LOCK_WAIT_SECONDS = 30.0


class StoreError(Exception):
    """A database problem the user can act on; the message names the file and what to do."""


class StoreLocked(StoreError):
    pass


class NewerSchema(StoreError):
    """The file was written by a newer Suara: upgrade Suara rather than open it with this one."""


def utcnow() -> datetime:
    """The store's clock: every writer stamps rows with it (UTC, whole seconds)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# A row written after a moment T has stamps at or after T minus this: the margin covers a clock stepped
# back a little and a reply's publication time taken a little before its write. What reads "the rows
# written since" relies on it: the backup's increments (suara/backup_increment.py) and the classifier's
# pending scan (suara/classify.py, ``pending_work``). No writer stamps rows with an earlier time (the
# ``now`` parameters are for tests and imports of the same moment).
STAMP_MARGIN = timedelta(minutes=5)


def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc).lower()
    # The second form is the same conflict inside one process (the dashboard saving a label while
    # another session reads): DuckDB refuses a read-write and a read-only connection side by side.
    locked = "lock" in msg and ("conflicting" in msg or "could not set" in msg)
    return locked or "different configuration" in msg


def _connect(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Open with bounded retry on the cross-process lock (exponential backoff with jitter)."""
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise StoreError(f"cannot open database {path}: {exc}") from exc
            if time.monotonic() >= deadline:
                who = "another process is writing to it" if read_only else "another process has it open"
                raise StoreLocked(
                    f"database {path} is locked ({who}); waited {wait:.0f}s. Try again when it finishes."
                ) from exc
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())) * random.uniform(0.5, 1.0))
            delay = min(delay * 2, 2.0)


@contextmanager
def read_connection(path: str | Path, wait: float = 5.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection, for readers such as the dashboard."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"database {path} does not exist yet: run `suara init` or `make demo`")
    con = _connect(path, read_only=True, wait=wait)
    try:
        version = schema_version(con)
        if version > SCHEMA_VERSION:
            raise NewerSchema(_newer_message(path, version))
        yield con
    finally:
        con.close()


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> tuple | None:
    """The first row of a query, with the result read to its end.

    DuckDB 2 refuses ``register()`` on a connection that holds a half-read result, so a ``fetchone()``
    before an upsert fails it; every single-row read in the store goes through here instead.
    """
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def current_model(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The model in use (version, path, metrics, created_at, n_train), on a read or a write connection."""
    row = first_row(con, "SELECT version, path, metrics, created_at, n_train FROM models WHERE is_current")
    if not row:
        return None
    return {
        "version": row[0],
        "path": row[1],
        "metrics": json.loads(row[2] or "{}"),
        "created_at": row[3],
        "n_train": row[4],
    }


def trained_at(model: dict) -> datetime:
    """When a model (a ``current_model`` dict) was trained, as its metrics say; else when it was registered
    (a model's files can be registered long after the training, e.g. a shipped one)."""
    try:
        return datetime.fromisoformat(model["metrics"]["trained_at"]).replace(tzinfo=None)
    except (KeyError, TypeError, ValueError):
        return model["created_at"]


def _newer_message(path: Path, version: int) -> str:
    return (
        f"database {path} has schema version {version}, newer than this Suara understands "
        f"({SCHEMA_VERSION}); upgrade Suara (pip install -U suara) instead of opening it with an old one"
    )


# Up to this many rows, a batch finds its stored rows with a filter on the scan of feedback's id column;
# above, with a join. Measured on 1M rows: 200 ids take 9 ms by filter and 80 ms by join, 20,000 ids
# 360 ms by filter and 170 ms by join; the collector's batches (5,000 records) stay on the filter side,
# which `make bench` (parse + store at 1M rows) measured faster.
SMALL_BATCH = 6000


class Store:
    """A read-write handle on one Suara database. Use as a context manager; close it promptly."""

    def __init__(self, path: str | Path, wait: float = LOCK_WAIT_SECONDS, salt: str = "suara-default-salt"):
        self.path = Path(path)
        self.salt = salt
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the directory of database {path}: {exc.strerror}") from exc
        self.con = _connect(self.path, read_only=False, wait=wait)
        try:
            self.migrate()
        except Exception:
            self.con.close()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- schema -------------------------------------------------------------------------------
    def migrate(self) -> int:
        """Apply the migrations the file lacks (suara/migrations.py), each in its own transaction;
        refuse a newer file."""
        current = schema_version(self.con)
        if current > SCHEMA_VERSION:
            raise NewerSchema(_newer_message(self.path, current))
        for number in range(current + 1, SCHEMA_VERSION + 1):
            try:
                with self.transaction() as con:
                    apply_migration(con, number, utcnow())
            except duckdb.Error as exc:  # one line, never a traceback: the file stays at number - 1
                raise StoreError(migration_failed(self.path, number, exc)) from None
        return SCHEMA_VERSION

    @property
    def schema_version(self) -> int:
        return schema_version(self.con)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- feedback -----------------------------------------------------------------------------
    def upsert_feedback(
        self, records: Iterable[dict] | pa.Table | Batch, now: datetime | None = None
    ) -> UpsertCounts:
        """Insert new items, update changed ones (old text kept in feedback_revisions), in one transaction.

        Re-loading the same records changes no content, adds no revision; it only moves last_seen_at.
        Takes records, an Arrow batch table, or a ``Batch`` naming a table staged in this connection
        (the fast file import). A small Arrow batch (a page of a source) finds its stored rows by a
        filter on the id column rather than a join, so its cost does not grow with the table. The SQL is
        suara/upsert.py's.
        """
        now = now or utcnow()
        if isinstance(records, Batch):
            if not records.rows:
                return UpsertCounts()
            with self.transaction() as con:
                return upsert(con, records, now)
        import pyarrow as pa

        from suara.feedback_batch import to_batch_table

        table = records if isinstance(records, pa.Table) else to_batch_table(records, self.salt)
        if table.num_rows == 0:
            return UpsertCounts()
        ids = table.column("id").to_pylist() if table.num_rows <= SMALL_BATCH else None
        self.con.register("_batch", table)
        try:
            with self.transaction() as con:
                return upsert(con, Batch("_batch", table.num_rows, ids), now)
        finally:
            self.con.unregister("_batch")

    def known_hashes(self, ids: list[str]) -> dict[str, str]:
        """content_hash of the given feedback ids that are already stored (for incremental stops)."""
        if not ids:
            return {}
        rows = self.con.execute(
            "SELECT id, content_hash FROM feedback WHERE id IN (SELECT unnest($ids))", {"ids": ids}
        ).fetchall()
        return dict(rows)

    # -- runs and source state ----------------------------------------------------------------
    def start_run(self, job: str, source: str | None = None, app_id: str | None = None) -> int:
        return first_row(
            self.con,
            "INSERT INTO runs (job, source, app_id, started_at, status) VALUES (?, ?, ?, ?, 'running') "
            "RETURNING run_id",
            [job, source, app_id, utcnow()],
        )[0]

    def finish_run(self, run_id: int, status: str, message: str | None = None, **counts: int) -> None:
        """Close a run; its message is stored scrubbed (no secret, no personal data: suara/redact.py)."""
        allowed = {"fetched", "new", "updated", "skipped", "errors"}
        bad = set(counts) - allowed
        if bad:
            raise ValueError(f"unknown run counters {sorted(bad)}")
        sets = "".join(f", {k} = ${k}" for k in counts)
        self.con.execute(
            f"UPDATE runs SET status = $status, finished_at = $now, message = $message{sets} WHERE run_id = $id",
            {"status": status, "now": utcnow(), "message": scrub(message) or None, "id": run_id, **counts},
        )

    def get_state(self, source: str, app_id: str, key: str) -> str | None:
        row = first_row(
            self.con,
            "SELECT value FROM source_state WHERE source = ? AND app_id = ? AND key = ?",
            [source, app_id, key],
        )
        return row[0] if row else None

    def set_state(self, source: str, app_id: str, key: str, value: str | None) -> None:
        self.con.execute(
            "INSERT INTO source_state VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (source, app_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            [source, app_id, key, value, utcnow()],
        )

    # -- models and the model's labels --------------------------------------------------------------------
    def register_model(
        self, version: str, path: str, metrics: dict, n_train: int, current: bool = True
    ) -> None:
        with self.transaction() as con:
            if current:
                con.execute("UPDATE models SET is_current = false WHERE is_current")
            con.execute(
                "INSERT INTO models VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (version) DO UPDATE SET "
                "path = excluded.path, metrics = excluded.metrics, n_train = excluded.n_train, "
                "is_current = excluded.is_current",
                [version, utcnow(), path, json.dumps(metrics), n_train, current],
            )

    def set_current_model(self, version: str) -> None:
        with self.transaction() as con:
            if not first_row(con, "SELECT count(*) FROM models WHERE version = ?", [version])[0]:
                raise StoreError(
                    f"model version {version} is not registered; see `suara status` for versions"
                )
            con.execute("UPDATE models SET is_current = (version = ?)", [version])

    def current_model(self) -> dict | None:
        return current_model(self.con)
