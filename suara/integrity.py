"""Is the database whole, and what to tell the user when DuckDB says it is not (or the disk is full)?

A copy cut short (a full disk, a killed ``cp``, a partial download) or a file scribbled over still opens
in DuckDB when the blocks it lacks are not among the first ones read; the damage shows later, in the
middle of a command, as a DuckDB error. Two things follow:

- ``scan_problem`` reads every column of every table once (a hash of each row). DuckDB checks each
  block's checksum as it reads it and fails on a block that is missing, so a damaged file is found by
  `suara doctor` rather than by tonight's job. The file's size cannot tell this cheaply: DuckDB itself
  cuts trailing free blocks off after a checkpoint, so a whole file may be shorter than its header's
  block count (``SingleFileBlockManager::Truncate`` in DuckDB's src/storage/single_file_block_manager.cpp).
- ``refuse_damaged`` is that read before `suara import` writes, so an import refuses a damaged file
  rather than adding to it.
- ``explain`` turns a DuckDB or OS error met while working into one line a user can act on: a damaged
  file (restore a backup, run `suara doctor`), a full disk (free space; the failed transaction was
  rolled back), a read-only location.
"""

from __future__ import annotations

import errno

import duckdb

RESTORE_HINT = (
    "restore the newest backup from backups/ beside it (`suara restore --to NEW.duckdb`), or move it away and "
    "run `suara init`"
)
_DAMAGED = ("corrupt", "could not read enough bytes", "not a valid duckdb database", "checksum")
_FULL = ("no space left", "file too large", "disk quota")
_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


def one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:limit]


class Unreadable(Exception):
    """A table that does not read back; the message names it and DuckDB's one-line reason."""


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The database's own tables (schema main), by name."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "AND table_schema = 'main' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def checksum(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, int]:
    """Rows and a hash of every row of a SELECT."""
    rows, digest = con.execute(
        f"SELECT count(*), coalesce(bit_xor(hash(x)), 0) FROM ({relation}) AS x"
    ).fetchall()[0]
    return int(rows), int(digest)


def read_back(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """Every column of every table read once: {table: (rows, hash of every row)}. Raises ``Unreadable``
    at the first table that fails (the damage check of doctor, import, backup and restore)."""
    out = {}
    for table in tables(con):
        try:
            out[table] = checksum(con, f'SELECT * FROM "{table}"')
        except duckdb.Error as exc:
            raise Unreadable(f"table {table} cannot be read back ({one_line(exc)})") from None
    return out


def scan_problem(con: duckdb.DuckDBPyConnection) -> str | None:
    """``read_back``'s first failure as one line, or None when every table reads back."""
    try:
        read_back(con)
    except Unreadable as exc:
        return str(exc)
    return None


def refuse_damaged(con: duckdb.DuckDBPyConnection, db: object) -> None:
    """Raise ``StoreError`` when the database does not read back whole: for a command about to write
    into it (``suara import``), which must not add to a damaged file."""
    from suara.store import StoreError

    damage = scan_problem(con)
    if damage:
        raise StoreError(f"database {db} is damaged: {damage}; nothing was written. Run `suara doctor`")


def disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return True
    return any(k in str(exc).lower() for k in _FULL)


def explain(exc: BaseException, db: object = None) -> str:
    """One line for a DuckDB or OS error that reached a command: what happened and what to do."""
    where = f"database {db}" if db else "the database"
    text = one_line(exc)
    if disk_full(exc):
        return f"the disk is full ({text}); free some space and run it again (the failed write was undone)"
    lower = text.lower()
    if isinstance(exc, duckdb.Error) and any(k in lower for k in _DAMAGED):
        return f"{where} is damaged ({text}); run `suara doctor`, then {RESTORE_HINT}"
    if isinstance(exc, OSError):
        name = exc.filename or ""
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return (
                f"cannot write {name or 'a file'}: {exc.strerror}; run as the user that owns the data "
                "directory, or fix its permissions"
            )
        return f"{name + ': ' if name else ''}{exc.strerror or text}"
    return f"{where}: {text}; run `suara doctor` to check it"
