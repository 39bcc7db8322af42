"""The backups on disk as chains: a full copy, then the increments made on top of it, night after night.

A chain is one full copy (``<db>-YYYY-MM-DD.duckdb``, a DuckDB file that opens as it is) with its
manifest beside it (``<db>-YYYY-MM-DD.duckdb.json``), and the increments that follow it
(``<db>-YYYY-MM-DD.inc<seq>/``: a manifest.json and one parquet file per table, suara/backup_increment.py).
Every manifest names its own ``id``, the ``base`` full copy and its ``parent`` (the link it was made
on top of), so a chain is read from the manifests, not guessed from file names: an increment whose
parent is gone is an orphan, never applied to another base. A full copy without a manifest (made by an
older Suara) is a chain of its own, restorable, but never the base of an increment.

This module reads: what the nightly builds on (``newest_chain``), what restore walks
(``chain_to``), and what retention may delete (``to_delete``: whole chains only, so no kept increment
ever loses the full copy it needs). Its two writers are what every backup is made durable with: a
manifest written beside and renamed (``write_json``), and fsync before a rename (``synced``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from itertools import takewhile
from pathlib import Path

from suara.store import StoreError

FORMAT = 1


class BackupError(StoreError):
    """A backup or a chain that cannot be used (a missing link, another schema, a damaged file)."""


@dataclass
class Link:
    """One backup: a full copy (``seq`` 0) or an increment (``seq`` 1, 2, ...), with its manifest."""

    path: Path  # the .duckdb file of a full copy, the directory of an increment
    manifest: dict
    kind: str = field(init=False)

    def __post_init__(self):
        self.kind = self.manifest.get("kind", "full")

    @property
    def id(self) -> str:
        return self.manifest.get("id") or f"legacy:{self.path.name}"

    @property
    def seq(self) -> int:
        return int(self.manifest.get("seq", 0))

    @property
    def day(self) -> date:
        return date.fromisoformat(self.manifest["day"])

    @property
    def legacy(self) -> bool:
        return "id" not in self.manifest

    def files(self) -> list[Path]:
        return [self.path, sidecar(self.path)] if self.kind == "full" else [self.path]


@dataclass
class Chain:
    full: Link
    increments: list[Link]  # in order, each the child of the one before (checked by ``links``)

    @property
    def links(self) -> list[Link]:
        return [self.full, *self.increments]

    @property
    def tail(self) -> Link:
        return self.links[-1]

    def increment_bytes(self) -> int:
        return sum(int(link.manifest.get("bytes", 0)) for link in self.increments)


def sidecar(full: Path) -> Path:
    return full.with_name(full.name + ".json")


def write_json(path: Path, data: dict) -> None:
    """Write beside, on disk, then rename: a manifest that exists is a whole one."""
    tmp = path.with_name(f".{path.name}.partial")
    try:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        synced(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def synced(*paths: Path) -> None:
    """Flush files or directories (their entries: a rename into them) to disk with fsync, before what
    they hold is renamed into place or counted on: without it a power cut after a rename can leave a
    backup under its final name whose pages were never written (the rename may reach the disk first)."""
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _is_day(text) -> bool:
    try:
        date.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return True


def scan(backups_dir: Path, stem: str) -> tuple[list[Chain], list[Link]]:
    """The chains of database ``stem`` in backups_dir, oldest first, and the orphans: increments whose
    chain is broken (a parent missing, a sequence gap) or whose manifest does not read."""
    fulls: list[Link] = []
    incs: list[Link] = []
    orphans: list[Link] = []
    if not backups_dir.is_dir():
        return [], []
    for path in sorted(backups_dir.glob(f"{stem}-????-??-??.duckdb")):
        manifest = _read(sidecar(path)) or {"kind": "full", "day": path.stem[len(stem) + 1 :]}
        if _is_day(manifest.get("day")):
            fulls.append(Link(path, manifest))
    for path in sorted(backups_dir.glob(f"{stem}-????-??-??.inc*")):
        manifest = _read(path / "manifest.json")
        if manifest is None or manifest.get("kind") != "increment":  # damaged: a link that cannot be used
            day = path.name[len(stem) + 1 : len(stem) + 11]
            orphans.append(Link(path, {"kind": "increment", "day": day if _is_day(day) else "1970-01-01"}))
        else:
            incs.append(Link(path, manifest))
    chains = []
    for full in fulls:
        mine = sorted((i for i in incs if i.manifest.get("base") == full.id), key=lambda i: i.seq)
        good: list[Link] = []
        for inc in mine:
            parent = good[-1] if good else full
            if inc.seq == parent.seq + 1 and inc.manifest.get("parent") == parent.id:
                good.append(inc)
            else:
                orphans.append(inc)
        chains.append(Chain(full, good))
    known = {i.path for c in chains for i in c.increments} | {o.path for o in orphans}
    orphans += [i for i in incs if i.path not in known]
    chains.sort(key=lambda c: (c.full.day, c.full.manifest.get("created_at", "")))
    return chains, orphans


def newest_chain(backups_dir: Path, stem: str) -> Chain | None:
    chains, _ = scan(backups_dir, stem)
    return chains[-1] if chains else None


def chain_to(backups_dir: Path, stem: str, day: date | None) -> Chain:
    """The links to restore the state of ``day`` (the newest backup made on or before it; the newest
    of all without a day), checked to be whole: every file present, one schema. Raises BackupError."""
    chains, orphans = scan(backups_dir, stem)
    if not chains:
        raise BackupError(f"no backups of {stem} in {backups_dir} ({stem}-YYYY-MM-DD.duckdb)")
    best: Chain | None = None
    for chain in chains:
        upto = list(takewhile(lambda link: day is None or link.day <= day, chain.links))
        if upto and upto[0] is chain.full:
            best = Chain(chain.full, upto[1:])
    if best is None:
        raise BackupError(f"no backup of {stem} in {backups_dir} is from {day} or earlier")
    broken = [
        o
        for o in orphans
        if (day is None or o.day <= day) and (o.manifest.get("base") == best.full.id or o.day > best.tail.day)
    ]
    if broken:  # a backup of the day asked for exists, but not the links it needs
        raise BackupError(
            f"the chain is broken: {broken[0].path.name} cannot be restored, its full copy or an increment "
            f"before it is missing (newest whole chain: {best.tail.path.name}); restore an earlier --day"
        )
    versions = {link.manifest.get("schema_version") for link in best.links if not link.legacy}
    if len(versions) > 1:
        raise BackupError(f"the chain of {best.full.path.name} mixes schema versions {sorted(versions)}")
    for link in best.increments:
        for entry in [*link.manifest["tables"].values(), *link.manifest["touched"].values()]:
            if not (link.path / entry["file"]).is_file():
                raise BackupError(
                    f"increment {link.path.name} is missing {entry['file']}: the chain is broken"
                )
    return best


def to_delete(backups_dir: Path, stem: str, keep: int) -> list[Path]:
    """What retention removes so that the newest ``keep`` backups (full copies and increments) stay
    restorable: every chain with none of them goes whole; a chain with one stays whole (its full copy
    and every increment before the kept one); orphan increments go."""
    chains, orphans = scan(backups_dir, stem)
    links = [(ci, link) for ci, c in enumerate(chains) for link in c.links]
    kept_chains = {ci for ci, _ in links[max(0, len(links) - keep) :]}
    doomed = [
        p for ci, c in enumerate(chains) if ci not in kept_chains for link in c.links for p in link.files()
    ]
    return doomed + [o.path for o in orphans]
