"""The nightly's single-instance lock, with real processes: held, refused (exit 3), killed and taken over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from suara.cli import app
from suara.lock import JobLock, LockHeld, lock_path_for

HOLDER = textwrap.dedent(
    """
    import sys, time
    from suara.lock import JobLock
    lock = JobLock(sys.argv[1]).acquire()
    print("holding", flush=True)
    time.sleep(60)
    """
)


@pytest.fixture
def holder(tmp_path):
    """A real process that takes the lock of tmp_path/suara.duckdb and keeps it until killed."""
    path = lock_path_for(tmp_path / "suara.duckdb")
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    yield proc, path
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_acquire_release_and_contents(tmp_path):
    path = tmp_path / "x.lock"
    with JobLock(path) as lock:
        holder = lock.read_holder()
        assert holder.pid == os.getpid() and holder.started_at
        assert JobLock(path).is_held()
        with pytest.raises(LockHeld, match=f"pid {os.getpid()}"):
            JobLock(path).acquire()
    assert path.read_text() == "" and not JobLock(path).is_held()
    with JobLock(path):  # free again
        pass


def test_second_process_is_refused_with_the_holders_pid(holder):
    proc, path = holder
    with pytest.raises(LockHeld) as info:
        JobLock(path).acquire()
    message = str(info.value)
    assert (
        f"pid {proc.pid}" in message
        and "another `suara nightly` is running" in message
        and str(path) in message
    )


def test_cli_exits_3_while_another_run_holds_the_lock(holder, tmp_path):
    proc, _ = holder
    result = CliRunner().invoke(
        app, ["nightly", "--db", str(tmp_path / "suara.duckdb"), "--sources", "appstore"]
    )
    assert result.exit_code == 3, result.output
    assert "another `suara nightly` is running" in result.output and f"pid {proc.pid}" in result.output


def test_lock_of_a_killed_process_is_taken_over(holder):
    proc, path = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert json.loads(path.read_text())["pid"] == proc.pid  # the dead run's record is still there
    assert not JobLock(path).is_held()
    with JobLock(path) as lock:
        assert lock.stale is not None and lock.stale.pid == proc.pid
        assert lock.read_holder().pid == os.getpid()


def test_leftover_file_from_a_dead_pid_and_garbage(tmp_path):
    path = tmp_path / "y.lock"
    path.write_text(json.dumps({"pid": 999999, "host": "elsewhere", "started_at": "2026-01-01 00:00:00"}))
    with JobLock(path) as lock:
        assert lock.stale.pid == 999999
    path.write_text("not json")
    with JobLock(path) as lock:
        assert lock.stale is None and lock.read_holder().pid == os.getpid()


FORKING_HOLDER = textwrap.dedent(
    """
    import os, sys, time
    from suara.lock import JobLock
    lock = JobLock(sys.argv[1]).acquire()
    child = os.fork()
    if child == 0:  # a scoring worker: outlives its parent for a while
        time.sleep(30)
        os._exit(0)
    print(child, flush=True)
    time.sleep(60)
    """
)


def test_a_killed_holders_forked_children_do_not_keep_the_lock(tmp_path):
    """The nightly's classify forks scoring workers while it holds the lock; killed, its lock must be
    free at once for the next run, even while a worker lingers."""
    path = lock_path_for(tmp_path / "suara.duckdb")
    proc = subprocess.Popen(
        [sys.executable, "-c", FORKING_HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    child = int(proc.stdout.readline())
    try:
        assert JobLock(path).is_held()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        os.kill(child, 0)  # the child is still running
        with JobLock(path) as lock:
            assert lock.stale is not None and lock.stale.pid == proc.pid
    finally:
        os.kill(child, signal.SIGKILL)


def test_a_forked_child_cannot_release_its_parents_lock(tmp_path):
    path = tmp_path / "x.lock"
    with JobLock(path) as lock:
        pid = os.fork()
        if pid == 0:
            lock.release()  # a copy of the parent's object: must not unlock the parent's file
            os._exit(0 if lock.fd is None else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert JobLock(path).is_held()
