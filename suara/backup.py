"""The nightly's backup of the database: a verified full copy now and then, a verified increment on the
other nights, and the newest few nights kept restorable.

A full copy of a 1M-row database is a 1.2 GB file to write and read back; copying it every night made
the backup most of the nightly's time, growing with the database. So the nightly writes a full copy
only when it must (no usable chain yet, the newest full copy is ``full_every`` days old or of another
schema version, the chain has grown to ``full_every`` increments or to half the full copy's size), and
otherwise an increment: the rows written since the previous backup, as parquet
(suara/backup_increment.py says which rows, table by table, and why that is all that changed). Its cost
follows what changed, not the size of the database. ``suara restore`` (suara/restore.py) rebuilds a
file from a full copy and its increments; suara/backup_chain.py reads the chains from their manifests.

What each backup promises:

- It is written beside its final name (``.<name>.partial``, a file or a directory), read back and
  checked, then renamed into place, so a backup that exists is one that reads. A full copy is opened
  read-only and every table read back in full (a hash of every row, which DuckDB's block checksums
  make a damage check too: suara/integrity.py); a copy of a damaged file or of another schema version is
  refused rather than rotated in over the good ones. An increment's files are read back and compared,
  rows and hash, with the same selection of the live database.
- Its manifest (JSON) names its id, its base full copy, its parent, the schema version, the row count of
  every table (what restore checks its result against) and the watermarks the next increment starts
  from.
- Whatever fails on the way (a full disk mid-copy, a file that does not read back) removes the partial
  file or directory: a failed backup leaves nothing behind, and the nightly records its run failed.
- Retention (``keep``, ``[nightly] keep_backups``) keeps the newest ``keep`` backups restorable: a
  chain with any of them is kept whole, so a full copy a kept increment needs is never deleted.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import duckdb

from suara import backup_increment as inc
from suara.backup_chain import (
    FORMAT,
    BackupError,
    Chain,
    newest_chain,
    sidecar,
    synced,
    to_delete,
    write_json,
)
from suara.integrity import Unreadable, read_back
from suara.migrations import SCHEMA_VERSION, schema_version
from suara.store import read_connection, utcnow

FULL_EVERY_DAYS = 7


def backup_database(
    db_path: Path, backups_dir: Path, keep: int, day: datetime, full_every: int = FULL_EVERY_DAYS
) -> Path | None:
    """Back up the (closed, checkpointed) database into backups_dir: a full copy
    ``<name>-YYYY-MM-DD.duckdb`` when one is due, else an increment ``<name>-YYYY-MM-DD.inc<n>/``; then
    apply retention. ``full_every`` 0 makes every backup a full copy. Returns the new backup, or None if a
    WAL file shows another writer is at work right now."""
    if db_path.with_name(db_path.name + ".wal").exists():
        return None
    backups_dir.mkdir(parents=True, exist_ok=True)
    stem = db_path.stem
    for stale in backups_dir.glob(f".{stem}-*.partial*"):  # left by a killed run (the job lock is ours)
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink(missing_ok=True)
    chain = newest_chain(backups_dir, stem)
    why_full = full_due(chain, day, full_every)
    path = full_copy(db_path, backups_dir, day) if why_full else increment(db_path, backups_dir, chain, day)
    for old in to_delete(backups_dir, stem, keep):
        if old.exists() and old != path:
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    return path


def full_due(chain: Chain | None, day: datetime, full_every: int) -> str | None:
    """Why tonight's backup must be a full copy, or None for an increment."""
    if chain is None:
        return "no backup yet"
    full = chain.full
    if full.legacy:
        return "the newest full copy has no manifest (an older Suara's)"
    if full.manifest.get("schema_version") != SCHEMA_VERSION or full.manifest.get("format") != FORMAT:
        return "the schema changed since the newest full copy"
    if full_every <= 0 or (day.date() - full.day).days >= full_every:
        return f"the newest full copy is from {full.day}"
    if len(chain.increments) >= full_every:
        return f"{len(chain.increments)} increments since the newest full copy"
    if chain.increment_bytes() * 2 > int(full.manifest.get("bytes", 0)):
        return "the increments add up to half the full copy"
    if day.date() < chain.tail.day:
        return f"the newest backup is from a later day ({chain.tail.day})"
    return None


def _manifest(kind: str, day: datetime, **fields) -> dict:
    return {"format": FORMAT, "kind": kind, "id": uuid.uuid4().hex[:16], "day": f"{day:%Y-%m-%d}",
            "created_at": utcnow().isoformat(), "schema_version": SCHEMA_VERSION, **fields}  # fmt: skip


def full_copy(db_path: Path, backups_dir: Path, day: datetime) -> Path:
    """Copy the database file, verify the copy (schema version, every row of every table reads back),
    then rename it into place with its manifest beside it."""
    clock = utcnow()
    target = backups_dir / f"{db_path.stem}-{day:%Y-%m-%d}.duckdb"
    partial = backups_dir / f".{target.name}.partial"
    try:  # whatever fails (a full disk mid-copy, a copy that does not open), no .partial stays behind
        shutil.copyfile(db_path, partial)
        con = duckdb.connect(str(partial), read_only=True)
        try:
            version = schema_version(con)
            if version != SCHEMA_VERSION:
                raise BackupError(
                    f"backup copy of {db_path} has schema version {version}, expected {SCHEMA_VERSION}"
                )
            try:
                tables = {
                    t: {"total": rows, "checksum": digest} for t, (rows, digest) in read_back(con).items()
                }
            except Unreadable as exc:
                raise BackupError(f"backup copy of {db_path} does not read back: {exc}") from None
            since, seqs = inc.watermarks(con, clock), inc.sequences(con)
        finally:
            con.close()
        manifest = _manifest("full", day, seq=0, database=db_path.name, tables=tables, next_since=since,
                             sequences=seqs, bytes=partial.stat().st_size)  # fmt: skip
        write_json(sidecar(partial), manifest)
        synced(partial)
        sidecar(target).unlink(missing_ok=True)  # a same-day copy replaced: its old increments are orphans
        os.replace(partial, target)
        os.replace(sidecar(partial), sidecar(target))
        synced(backups_dir)  # the renames themselves
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
        sidecar(partial).unlink(missing_ok=True)
    return target


def increment(db_path: Path, backups_dir: Path, chain: Chain, day: datetime) -> Path:
    """Write the rows changed since the chain's newest backup as increment ``seq + 1``, verified."""
    clock = utcnow()
    parent = chain.tail
    seq = parent.seq + 1
    target = backups_dir / f"{db_path.stem}-{day:%Y-%m-%d}.inc{seq}"
    partial = backups_dir / f".{target.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        with read_connection(db_path, wait=30.0) as con:
            version = schema_version(con)
            if version != SCHEMA_VERSION:
                raise BackupError(f"{db_path} has schema version {version}, expected {SCHEMA_VERSION}")
            try:
                files = inc.write(con, partial, parent.manifest["next_since"])
            except ValueError as exc:
                raise BackupError(f"increment of {db_path} does not read back: {exc}") from None
            since, seqs = inc.watermarks(con, clock), inc.sequences(con)
        size = sum(p.stat().st_size for p in partial.iterdir())
        manifest = _manifest("increment", day, seq=seq, base=chain.full.id, parent=parent.id,
                             database=db_path.name, next_since=since, sequences=seqs, bytes=size,
                             **files)  # fmt: skip
        write_json(partial / "manifest.json", manifest)
        synced(*partial.iterdir(), partial)
        if target.exists():  # an orphan of a full copy replaced the same day (never part of this chain)
            shutil.rmtree(target)
        os.replace(partial, target)
        synced(backups_dir)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target
