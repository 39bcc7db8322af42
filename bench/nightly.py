"""The nightly stage: `suara nightly` (``run_nightly``) end to end over replayed store feeds.

Play and App Store are replayed through an ``httpx.MockTransport`` (bench/corpus.py: ``new_items`` new
reviews, then a page of stored ones where the collector stops), on a copy of the classified database,
so the run collects, classifies, alerts, writes its digest and backs up as it would at night, without
the network. Each size runs ``--nights`` nights (3 by default), each on a fresh copy, and reports the
median: on this machine the host's speed moves by a fifth within minutes, and the target is a ratio of
two sizes.
Each run is checked: exit code 0, every new review stored and classified, and its backup an increment.

The run is an ordinary night: the backups directory already holds the previous night's full copy
(``backup_database`` before the run, timed as a row of its own: the night a full copy is due, weekly,
costs the other steps plus that copy), so the nightly's backup step writes an increment on top of it,
and last night's classify recorded what it covered (``last_night``), so tonight's scans only the rows
written since.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench import corpus as C
from bench.base import NO_MODEL, Ctx, Timer, copy_db, model_dir, peak_mb, remove_db, row, skipped


@dataclass
class Night:
    wall: float
    cpu: float
    rss: float
    full_wall: float
    full_cpu: float
    full_rss: float
    base_mb: float
    requests: int
    steps: str
    inc_rows: int
    inc_mb: float
    topics: str  # the topic step's message: how many candidates it grouped (it follows the volume)


def stage_nightly(ctx: Ctx) -> list[dict]:
    """`suara nightly` (run_nightly) over replayed Play and App Store feeds with ``new_items`` new
    reviews, on a copy of the classified database of this size; ``ctx.nights`` nights, the median reported."""
    label = f"suara nightly, {ctx.new_items:,} new items"
    if model_dir(ctx) is None:
        return [skipped("nightly", label, ctx.size, NO_MODEL)]
    tail = tail_records(Path(ctx.corpus))
    runs = max(1, ctx.nights)
    nights = [one_night(ctx, tail) for _ in range(runs)]
    night = sorted(nights, key=lambda n: n.wall)[runs // 2]
    full = sorted(nights, key=lambda n: n.full_wall)[runs // 2]
    spread = ", ".join(f"{n.wall:.2f}" for n in nights)
    full_spread = ", ".join(f"{n.full_wall:.2f}" for n in nights)
    return [
        row(
            "nightly",
            label,
            ctx.size,
            night.wall,
            "s",
            rss_mb=night.rss,
            seconds=night.wall,
            cpu=night.cpu,
            note=f"median of {runs} nights ({spread} s), each on a fresh copy; {night.requests} requests "
            f"replayed; steps (s): {night.steps}; topics: {night.topics}; the backup an increment of "
            f"{night.inc_rows:,} rows, {night.inc_mb:.1f} MB",
        ),
        row(
            "nightly",
            "nightly backup alone, the weekly full-copy night",
            ctx.size,
            full.full_wall,
            "s",
            rss_mb=full.full_rss,
            seconds=full.full_wall,
            cpu=full.full_cpu,
            note=f"`backup_database` with no backup yet, median of {runs} ({full_spread} s): copy "
            f"{full.base_mb:,.0f} MB, flush it to disk, read it back; that night's nightly costs the "
            "other steps plus this",
        ),
    ]


def one_night(ctx: Ctx, tail: list[dict]) -> Night:
    """One timed night on a fresh copy of the classified database, checked (see the module doc)."""
    from suara.backup import backup_database
    from suara.config import Settings
    from suara.nightly import run_nightly

    db = copy_db(ctx.db("cls"), ctx.db("night"))
    new = C.new_items(ctx.new_items, ctx.seed + 303)
    replay = C.nightly_replay(tail, new)
    work = Path(ctx.work) / f"nightly-{ctx.size}"
    shutil.rmtree(work, ignore_errors=True)
    settings = Settings(db_path=db)
    age_fresh_rows(db)
    last_night(db, ctx)
    with Timer() as full_timer:  # last night's full copy, the base tonight's increment builds on
        base = backup_database(db, work / "backups", 7, C.now_after_new() - timedelta(days=1))
    full_rss = peak_mb()
    client = replay.client()
    kwargs = {"models_dir": Path(ctx.models_dir)} if ctx.models_dir else {}
    with Timer() as timer:
        result = run_nightly(
            settings, only=["play", "appstore"], client=client, as_of=C.now_after_new(),
            reports_dir=work / "reports", backups_dir=work / "backups", webhook_url="", **kwargs,
        )  # fmt: skip
    rss = peak_mb()
    client.close()
    new_stored = sum(s.new for s in result.sources)
    if result.exit_code or new_stored != ctx.new_items or result.classified != ctx.new_items:
        raise RuntimeError(
            f"nightly exit {result.exit_code}, {new_stored} new, {result.classified} classified "
            f"(expected {ctx.new_items}); failures: {result.failures}"
        )
    if result.backup is None or not result.backup.name.endswith(".inc1"):
        raise RuntimeError(f"the nightly's backup is {result.backup}, not an increment on {base.name}")
    increment = json.loads((result.backup / "manifest.json").read_text())
    night = Night(
        wall=timer.wall, cpu=timer.cpu, rss=rss, full_wall=full_timer.wall, full_cpu=full_timer.cpu,
        full_rss=full_rss, base_mb=base.stat().st_size / 1e6, requests=replay.requests,
        steps=", ".join(f"{s.name.split('/')[0]} {s.seconds:.1f}" for s in result.steps if s.seconds >= 0.05),
        inc_rows=sum(t["rows"] for t in increment["tables"].values()), inc_mb=increment["bytes"] / 1e6,
        topics=next((s.message for s in result.steps if s.name == "topics"), "not run"),
    )  # fmt: skip
    remove_db(db)
    db.with_name(db.name + ".nightly.lock").unlink(missing_ok=True)
    shutil.rmtree(work, ignore_errors=True)
    return night


def tail_records(path: Path, n_bytes: int = 4_000_000) -> list[dict]:
    """The newest records of a corpus (its end): what a store feed shows just below the new items."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        fh.seek(max(0, fh.tell() - n_bytes))
        lines = fh.read().decode("utf-8", errors="replace").splitlines()[1:]
    return [json.loads(line) for line in lines if line.strip()]


def last_night(db: Path, ctx: Ctx) -> None:
    """Last night's classify run, untimed: it finds nothing pending and records that every row is
    covered (suara/classify.py, ``Cover``), as the nightly before tonight's would have. The bench's
    database was classified minutes after its import, so the classify stage's own record still reaches
    back over every row; a real store's last night came long after the rows it covered."""
    from suara.classify import run_classify
    from suara.store import Store

    run = run_classify(lambda: Store(db), models_dir=Path(ctx.models_dir) if ctx.models_dir else None)
    if run.pending:
        raise RuntimeError(f"the classified database has {run.pending} rows left to classify")


def age_fresh_rows(db: Path) -> None:
    """Move stamps of the last hour back a day, as if the database had been written by earlier nights.

    A database the bench prepared a minute ago (the 10k one) has every row stamped within the backup's
    overlap margin (suara/backup_increment.py ``MARGIN``), so tonight's increment would carry all of it;
    a real database was written by earlier nights. The 1M database, built earlier, has no such rows.
    """
    import duckdb

    from suara.backup_increment import RULES

    con = duckdb.connect(str(db))
    try:
        for table, rule in RULES.items():
            for col in rule.stamps:
                con.execute(
                    f"UPDATE {table} SET {col} = {col} - INTERVAL 1 DAY "
                    f"WHERE {col} > now()::TIMESTAMP - INTERVAL 1 HOUR"
                )
        if "last_seen_at" in RULES["feedback"].stamps:
            con.execute(
                "UPDATE feedback SET first_seen_at = least(first_seen_at, last_seen_at) "
                "WHERE first_seen_at > last_seen_at"
            )
    finally:
        con.close()
