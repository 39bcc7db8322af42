"""What a nightly run reports: one ``Step`` per step it took, and the ``NightlyResult`` that gathers
them with the run's figures (sources, items classified, alerts, digest, backup).

The exit code is the result's, read from its steps' severities, so one rule serves the CLI, the log
and the run's row: 0 all well; 1 a source or a step failed (``source``, ``error``); 2 a configuration
or database error (``config``, ``database``). A ``notice`` is logged and put in the digest only. (3,
another run holds the lock, is the CLI's: no result is made then.) suara/nightly.py fills it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from suara import alerts as alerts_mod
from suara import digest as digest_mod

FAILING = ("source", "error", "config", "database")  # step severities that set the exit code


@dataclass
class Step:
    name: str
    status: str  # success, failed, skipped
    message: str = ""
    seconds: float = 0.0
    severity: str = "ok"  # ok; source / error (exit 1); config / database (exit 2); notice (logged only)


@dataclass
class NightlyResult:
    as_of: datetime
    run_id: int | None = None
    steps: list[Step] = field(default_factory=list)
    sources: list[digest_mod.SourceLine] = field(default_factory=list)
    classified: int = 0
    model_version: str | None = None
    new_alerts: list[alerts_mod.Alert] = field(default_factory=list)
    retrained: str | None = None  # the version trained by --retrain (current or not: see retrain_decision)
    retrain_decision: str | None = None  # the promotion gate's "promoted model X: ..." / "kept model Y: ..."
    digest: tuple[Path, Path] | None = None
    backup: Path | None = None
    interrupted_runs: int = 0  # "running" rows of killed runs found and closed at the start

    @property
    def exit_code(self) -> int:
        severities = {s.severity for s in self.steps}
        if severities & {"config", "database"}:
            return 2
        return 1 if severities & {"source", "error"} else 0

    @property
    def failures(self) -> list[str]:
        return [f"{s.name}: {s.message}" for s in self.steps if s.severity in FAILING]

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)
