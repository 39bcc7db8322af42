"""The fault probe harness: run the real `suara` CLI on a temp store and look at what it did.

Every fault test (tests/test_faults_*.py) breaks something real (a file, a directory, the disk), runs
the command a user would run, in a subprocess, and checks three things: the exit code, that the user saw
one clear line and no traceback, and that the stored rows did not change (or changed as they should).

    from tests.faults import suara, counts, assert_one_line_error

    before = counts(db)
    result = suara("import", "bad.jsonl", "--db", db)
    assert_one_line_error(result, code=1, mentions=["bad.jsonl", "line 3"])
    assert counts(db) == before

The API, all of it:

- ``suara(*args, cwd=None, env=None, fsize_limit=None, readonly=(), tmpfs=None, timeout=120)`` runs
  ``python -m suara.cli *args`` with this checkout first on PYTHONPATH, in ``cwd`` (default: a fresh
  empty directory, so no suara.toml is picked up), without SUARA_DB / SUARA_CONFIG / secrets from the
  caller's environment (``env`` adds or overrides variables). Returns a ``Run``. Faults of the machine:
  - ``fsize_limit=N``: RLIMIT_FSIZE for the process, so writing a file past N bytes fails with EFBIG
    ("File too large"), the way a full disk fails a write. Portable, needs no privileges.
  - ``readonly=[dir, ...]``: those paths are read-only bind mounts for the run (EROFS, for root too).
  - ``tmpfs={dir: bytes}``: an empty tmpfs of that size is mounted on ``dir`` for the run (a real full
    disk: ENOSPC); what is left in it afterwards is in ``Run.leftovers[dir]`` (the tmpfs itself is gone).
  The last two run the command in a private mount namespace (``unshare``); where that is not possible
  the test is skipped (``mounts_available()`` says whether it is).
- ``Run``: ``code``, ``stdout``, ``stderr``, ``output`` (both), ``error_lines`` (non-blank stderr lines),
  ``leftovers``.
- ``counts(db)``: rows per main table (``MAIN_TABLES``), read through a read-only connection; ``{}`` when
  the file does not exist or cannot be read.
- ``assert_one_line_error(run, code=None, mentions=())``: a non-zero exit (or exactly ``code``), no
  "Traceback" anywhere, exactly one non-blank line on stderr, and every string of ``mentions`` in it
  (case-insensitive). Returns that line.
- ``assert_no_traceback(run)``: for commands whose output is a report (doctor, nightly), not one line.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
MAIN_TABLES = ("feedback", "feedback_revisions", "labels", "classifications", "runs", "human_reviews")
_DROPPED_ENV = ("SUARA_DB", "SUARA_CONFIG", "X_BEARER_TOKEN", "SUARA_WEBHOOK_URL", "SUARA_SALT")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    leftovers: dict[Path, list[str]] = field(default_factory=dict)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


@cache
def _unshare() -> list[str] | None:
    """The unshare command that gives this user a private mount namespace it may mount in, or None."""
    if not shutil.which("unshare"):
        return None
    with tempfile.TemporaryDirectory() as where:
        for cmd in (["unshare", "-m"], ["unshare", "-rm"]) if os.geteuid() == 0 else (["unshare", "-rm"],):
            probe = [*cmd, "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {_q(Path(where))}"]
            try:
                if subprocess.run(probe, capture_output=True, timeout=10).returncode == 0:
                    return cmd
            except (OSError, subprocess.TimeoutExpired):
                pass
    return None


def mounts_available() -> bool:
    """Whether ``readonly=`` and ``tmpfs=`` can run here (a private mount namespace via unshare)."""
    return _unshare() is not None


def _environment(env: dict | None) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    base["PYTHONDONTWRITEBYTECODE"] = "1"
    return {**base, **(env or {})}


def suara(
    *args: object,
    cwd: Path | None = None,
    env: dict | None = None,
    fsize_limit: int | None = None,
    readonly: Iterable[Path] = (),
    tmpfs: dict[Path, int] | None = None,
    timeout: float = 120,
) -> Run:
    """Run the real CLI once in a subprocess (see the module docstring)."""
    import pytest

    command = [sys.executable, "-m", "suara.cli", *map(str, args)]
    readonly, tmpfs = (
        [Path(p).resolve() for p in readonly],
        {Path(p).resolve(): n for p, n in (tmpfs or {}).items()},
    )
    listings: dict[Path, Path] = {}
    scratch = Path(tempfile.mkdtemp(prefix="suara-fault-"))
    if readonly or tmpfs:
        unshare = _unshare()
        if unshare is None:
            pytest.skip("needs a private mount namespace (unshare) for read-only or full-disk directories")
        setup = [f"mount --bind -o ro {_q(p)} {_q(p)}" for p in readonly]
        setup += [f"mount -t tmpfs -o size={n} tmpfs {_q(p)}" for p, n in tmpfs.items()]
        listings = {p: scratch / f"listing-{i}" for i, p in enumerate(tmpfs)}
        after = "; ".join(f"ls -A {_q(p)} > {_q(out)}" for p, out in listings.items()) or "true"
        script = f'set -e; {" && ".join(setup)}; set +e; "$@"; rc=$?; {after}; exit $rc'
        command = [*unshare, "sh", "-c", script, "sh", *command]
    preexec = None
    if fsize_limit is not None:

        def preexec() -> None:  # in the child, before exec: a write past the limit fails with EFBIG
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_limit, fsize_limit))

    workdir = cwd or scratch
    try:
        proc = subprocess.run(
            command,
            cwd=workdir,
            env=_environment(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=preexec,
        )
        leftovers = {
            p: out.read_text().split() if out.exists() else ["<not listed>"] for p, out in listings.items()
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Run(proc.returncode, proc.stdout, proc.stderr, leftovers)


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


def counts(db: Path) -> dict[str, int]:
    """Rows per main table of the database at ``db``; {} if it does not exist or cannot be read."""
    db = Path(db)
    if not db.is_file():
        return {}
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return {}
    try:
        present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in MAIN_TABLES if t in present
        }
    except duckdb.Error:
        return {}
    finally:
        con.close()


def assert_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.output, f"a traceback reached the user:\n{run.output}"


def assert_one_line_error(run: Run, code: int | None = None, mentions: Iterable[str] = ()) -> str:
    """The command failed (exit ``code`` if given, else any non-zero) with exactly one line on stderr,
    no traceback, and that line names every string in ``mentions``; returns the line."""
    assert_no_traceback(run)
    if code is None:
        assert run.code != 0, f"expected a failure, got exit 0:\n{run.output}"
    else:
        assert run.code == code, f"expected exit {code}, got {run.code}:\n{run.output}"
    lines = run.error_lines
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{run.stderr}"
    for word in mentions:
        assert word.lower() in lines[0].lower(), f"{word!r} not in the error line: {lines[0]}"
    return lines[0]
