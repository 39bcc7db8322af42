"""What every benchmark stage shares: its context (``Ctx``, written to JSON by the parent), the timer,
the peak-memory reading, the table row, the work databases and the model the stages use."""

from __future__ import annotations

import json
import os
import resource
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Ctx:
    """What a stage needs to know; written to JSON by the parent."""

    size: int
    seed: int
    corpus: str
    work: str
    corpus_dir: str | None = None  # where cached inputs go (default bench/.corpus)
    models_dir: str | None = None
    naive_rows: int = 5000
    parse_cap: int = 100_000
    predict_cap: int = 100_000
    stem_texts: int = 20_000
    stem_uncached: int = 20_000
    repeats: int = 7
    new_items: int = 1000
    nights: int = 3  # nightly runs per size, each on a fresh copy; the median is reported
    profile: str | None = None  # write a pyinstrument profile of the stage here (html + txt)
    pages: str | None = None  # the pages stage: only these url paths, comma-separated (default every page)

    def db(self, kind: str, size: int | None = None) -> Path:
        return Path(self.work) / f"{kind}-{size or self.size}.duckdb"


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_mb() -> float:
    """Peak resident memory of the largest child process that has ended (forked scoring workers), MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


class Timer:
    """Wall and CPU seconds of a block; CPU counts every thread of the process (DuckDB's too) and of the
    child processes that ended within it (forked scoring workers), so on a busy machine it shows how much
    of the wall time was this stage's own work."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu() - self.cpu


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def row(stage: str, label: str, size: int, value: float | None, unit: str, **extra) -> dict:
    """One line of the table. extra: target (text), ok (bool), naive (value, same unit as naive_unit),
    naive_unit, vs (what the ratio compares with), ratio, rss_mb, seconds, cpu, note, status."""
    base = {"stage": stage, "label": label, "size": size, "value": value, "unit": unit, "target": None,
            "ok": None, "naive": None, "naive_unit": None, "vs": None, "ratio": None, "rss_mb": None,
            "seconds": None, "cpu": None, "note": "", "status": "ok"}  # fmt: skip
    unknown = set(extra) - set(base)
    if unknown:
        raise ValueError(f"unknown row fields {sorted(unknown)}")
    base.update(extra)
    return base


def skipped(stage: str, label: str, size: int, why: str) -> dict:
    return row(stage, label, size, None, "", status="skipped", note=why)


def copy_db(src: Path, dst: Path) -> Path:
    """A copy of a closed database file (no WAL: every writer here closes, which checkpoints), on disk
    before it is returned: a timed run's first commit must not pay for flushing the bench's own copy
    (DuckDB's checkpoint fsyncs the file, 0.5 s of a 1M nightly's "start" step when it did)."""
    remove_db(dst)
    shutil.copyfile(src, dst)
    with dst.open("rb+") as fh:
        os.fsync(fh.fileno())
    return dst


def remove_db(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def count_rows(db: Path, table: str = "feedback") -> int:
    from suara.store import read_connection

    with read_connection(db) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def model_dir(ctx: Ctx) -> Path | None:
    """The model Suara would use (the newest on disk), or None when none has been trained."""
    from suara.config import MODELS_DIR
    from suara.model_files import NoModel, resolve_model_dir

    try:
        return resolve_model_dir(None, models_dir=Path(ctx.models_dir) if ctx.models_dir else MODELS_DIR)
    except NoModel:
        return None


NO_MODEL = "no trained model (run `suara train`)"


def write_ctx(ctx: Ctx, path: Path) -> Path:
    path.write_text(json.dumps(asdict(ctx)), encoding="utf-8")
    return path
