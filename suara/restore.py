"""`suara restore`: rebuild a database file from a full copy and its increments, up to a given day.

The nightly's backups (suara/backup.py) are a chain per week or so: one full copy, then one increment
a night. Restoring the state of a day copies that chain's full copy to a new file and applies its
increments in order, each in one transaction (suara/backup_increment.py ``apply``), then checks the
result before it gets its name:

- every increment file reads back with the rows and hash its manifest recorded, before it is applied;
- the schema version of every link is this Suara's (a backup of another version is refused: restore
  it with the Suara that wrote it);
- every table of the result has the row count the last link recorded of the live database, and, for a
  full copy restored alone, the same hash of every row; the result reads back whole
  (suara/integrity.py);
- the sequences (run ids) continue after the restored rows.

The file is built beside the target (``.<name>.partial``) and linked into place only when all of this
holds, never over an existing file: a restore that fails leaves nothing but a one-line error.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from suara import backup_increment as inc
from suara.backup_chain import BackupError, Chain, chain_to
from suara.integrity import Unreadable, one_line, read_back
from suara.migrations import SCHEMA_VERSION, schema_version


@dataclass
class Restored:
    path: Path
    chain: Chain
    rows: dict[str, int]


def restore_database(backups_dir: Path, stem: str, target: Path, day: date | None = None) -> Restored:
    """Rebuild the state of ``day`` (default: the newest backup) of database ``stem`` into the new file
    ``target``. Raises ``BackupError`` (a missing link, another schema, a target that exists, a check
    that fails)."""
    if target.exists():
        raise BackupError(f"{target} already exists; restore into a new file (nothing was written)")
    if not target.parent.is_dir():
        raise BackupError(f"directory {target.parent} does not exist (nothing was written)")
    chain = chain_to(backups_dir, stem, day)
    for link in chain.links:
        version = link.manifest.get("schema_version")
        if version is not None and version != SCHEMA_VERSION:
            raise BackupError(
                f"backup {link.path.name} is of schema version {version}, this Suara's is {SCHEMA_VERSION}; "
                "restore it with the Suara version that wrote it"
            )
    partial = target.with_name(f".{target.name}.partial")
    wal = partial.with_name(partial.name + ".wal")
    partial.unlink(missing_ok=True)
    wal.unlink(missing_ok=True)
    try:
        shutil.copyfile(chain.full.path, partial)
        con = duckdb.connect(str(partial))
        try:
            rows = _rebuild(con, chain)
        finally:
            con.close()
        try:
            os.link(partial, target)  # fails if the target appeared meanwhile: never overwritten
        except FileExistsError:
            raise BackupError(
                f"{target} already exists; restore into a new file (nothing was written)"
            ) from None
        except OSError:
            if target.exists():
                raise
            os.rename(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)
    return Restored(target, chain, rows)


def _rebuild(con: duckdb.DuckDBPyConnection, chain: Chain) -> dict[str, int]:
    version = schema_version(con)
    if version != SCHEMA_VERSION:
        raise BackupError(
            f"full copy {chain.full.path.name} is of schema version {version}, this Suara's is {SCHEMA_VERSION}"
        )
    for link in chain.increments:
        try:
            inc.verify_files(con, link.path, link.manifest)
        except ValueError as exc:
            raise BackupError(f"increment {exc}; restore an earlier day") from None
        con.execute("BEGIN")
        try:
            inc.apply(con, link.path, link.manifest)
            con.execute("COMMIT")
        except (duckdb.Error, ValueError) as exc:
            con.execute("ROLLBACK")
            raise BackupError(f"increment {link.path.name} does not apply ({one_line(exc)})") from None
    last = chain.tail.manifest
    for name, value in last.get("sequences", {}).items():
        current = con.execute(
            "SELECT coalesce(last_value, start_value - 1) FROM duckdb_sequences() WHERE sequence_name = ?",
            [name],
        ).fetchall()
        if current and value > current[0][0]:
            con.execute(f"SELECT max(nextval('{name}')) FROM range(?)", [value - current[0][0]])
    con.execute("CHECKPOINT")
    try:
        digests = read_back(con)
    except Unreadable as exc:
        raise BackupError(f"the restored database does not read back: {exc}") from None
    rows = {}
    for table, (count, digest) in digests.items():
        rows[table] = count
        want = last.get("tables", {}).get(table)
        if want is None:
            if last.get("tables"):
                raise BackupError(f"table {table} is not in the manifest of {chain.tail.path.name}")
            continue  # a full copy without a manifest (an older Suara's): nothing recorded to compare
        if count != want["total"]:
            raise BackupError(
                f"the restored table {table} has {count} rows, the backup of {chain.tail.day} recorded "
                f"{want['total']}; the chain does not add up"
            )
        if not chain.increments and digest != want["checksum"]:
            raise BackupError(f"the restored table {table} is not the table backed up on {chain.tail.day}")
    return rows
