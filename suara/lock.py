"""A single-instance lock for the nightly job: one run per database at a time.

The lock is an ``flock`` on a small file next to the database, which also records who holds it (pid,
host, start time) so a second run can say who is in the way. The kernel drops an ``flock`` when its
process dies, however it dies, so a run killed with SIGKILL never leaves the lock held: the next run
finds the old holder's details in the file, sees that nobody holds the lock, and takes it over.

A forked child (classify's scoring workers, suara/batch_scoring.py) shares the parent's open lock file,
and an ``flock`` lasts while any process has that file open: a run killed with its workers still
alive would keep the lock until they noticed. So every child closes the lock files it inherited as it
starts (``os.register_at_fork``); only the process that took the lock holds it.

The file is never deleted (deleting a lock file races with a process that has just opened it); on
release its contents are cleared. A lock file that cannot be created (a read-only data directory) is
``LockUnavailable``, a ``StoreError``: one line naming the file, exit code 2.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from suara.store import StoreError

log = logging.getLogger(__name__)

_HELD: set[int] = set()  # the lock files this process holds open


def _drop_in_child() -> None:
    """In a forked child: close the inherited lock files (closing does not release the parent's lock,
    ``LOCK_UN`` would), so the lock lives exactly as long as the process that took it."""
    for fd in _HELD:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


os.register_at_fork(after_in_child=_drop_in_child)


class LockHeld(Exception):
    """Another process holds the lock; the message says which and since when."""


class LockUnavailable(StoreError):
    """The lock file cannot be created or opened (read-only directory, ...): a setup problem, exit code 2."""


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    started_at: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, started {self.started_at} UTC"


def lock_path_for(db_path: Path) -> Path:
    """The nightly lock of a database: ``data/suara.duckdb`` -> ``data/suara.duckdb.nightly.lock``."""
    return db_path.with_name(db_path.name + ".nightly.lock")


class JobLock:
    """``with JobLock(path):`` holds the lock for the block, or raises ``LockHeld`` at once."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.fd: int | None = None
        self.stale: Holder | None = None  # the dead holder this lock was taken over from, if any

    def read_holder(self) -> Holder | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "null")
            return Holder(int(data["pid"]), str(data["host"]), str(data["started_at"])) if data else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def is_held(self) -> bool:
        """Whether some process holds the lock right now (checked without taking it for long)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops a lock we may just have taken
        return False

    def acquire(self) -> JobLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:  # a read-only data directory, a directory in the lock file's place, ...
            raise LockUnavailable(
                f"cannot create the nightly lock file {self.path}: {exc.strerror}. `suara nightly` writes "
                "beside the database: run it as the user that owns that directory, or fix its permissions"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = self.read_holder()
            who = holder.describe() if holder else "holder unknown"
            raise LockHeld(
                f"another `suara nightly` is running on this database ({who}); lock file {self.path}. "
                "Wait for it to finish; if no such process exists, the lock is released automatically."
            ) from None
        previous = self.read_holder()
        if previous is not None:
            # We got the flock, so the run that wrote this ended without clearing it: killed or crashed.
            self.stale = previous
            log.warning("took over a stale nightly lock left by %s (that run died)", previous.describe())
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        os.fsync(fd)
        self.fd = fd
        _HELD.add(fd)
        return self

    def release(self) -> None:
        if self.fd not in _HELD:  # never taken, released already, or a forked child's copy (not its lock)
            self.fd = None
            return
        _HELD.discard(self.fd)
        try:
            os.ftruncate(self.fd, 0)
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> JobLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
