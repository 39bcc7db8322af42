"""The nightly's backup of the database: a verified copy per day, the newest few kept.

The copy is written beside its final name as ``.<name>.partial``, opened read-only to check that it is a
database of the current schema, then renamed into place, so a backup that exists is one that
opens. It is read back in full (``suara.integrity.scan_problem``): a copy of a file already damaged is
refused rather than rotated in over the good ones. Whatever fails on the way (a disk that fills up mid-copy, a copy that does not open) removes
the partial file: a failed backup leaves nothing behind, and the nightly records its run failed.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from suara.integrity import scan_problem
from suara.migrations import SCHEMA_VERSION
from suara.store import StoreError


def backup_database(db_path: Path, backups_dir: Path, keep: int, day: datetime) -> Path | None:
    """Copy the (closed, checkpointed) database file to backups_dir/<name>-YYYY-MM-DD.duckdb, verify the
    copy opens and reads back whole, keep the newest ``keep``. None if a WAL file shows another writer is at work right now."""
    if db_path.with_name(db_path.name + ".wal").exists():
        return None
    backups_dir.mkdir(parents=True, exist_ok=True)
    target = backups_dir / f"{db_path.stem}-{day:%Y-%m-%d}.duckdb"
    partial = backups_dir / f".{target.name}.partial"
    try:  # whatever fails (a full disk mid-copy, a copy that does not open), no .partial stays behind
        shutil.copyfile(db_path, partial)
        con = duckdb.connect(str(partial), read_only=True)
        try:
            version = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
            damage = scan_problem(con)
        finally:
            con.close()
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"backup copy of {db_path} has schema version {version}, expected {SCHEMA_VERSION}"
            )
        if damage:
            raise StoreError(f"backup copy of {db_path} does not read back: {damage}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
    copies = sorted(backups_dir.glob(f"{db_path.stem}-????-??-??.duckdb"))
    for old in copies[: max(0, len(copies) - keep)]:
        old.unlink()
    return target
