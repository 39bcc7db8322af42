"""`suara alerts`: evaluate the alert rule now, or as of every week since a date, and store what it finds.

Registered on the main app by suara/cli.py (``command()(alerts)``), so it reports errors like every
command. The rule is suara/alerts.py's ``evaluate``, the very one the nightly job runs; this module only
reads the dates, runs it (``detect_and_record`` for now, ``detect_since`` for history) and prints the new
alerts. Why history: after a fresh import or the demo, the data has years of surges but the nightly job
has only ever looked at "now", so the Peringatan page would be empty.

Idempotent: an alert continues the stored episode it overlaps, so a second run stores nothing new.
Exit codes: 0 done (with or without new alerts); 1 a bad date; 2 a configuration or database problem.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

import typer
from rich.table import Table

from suara.cli_base import ConfigOption, DbOption, UserError, open_store, out, settings
from suara.redact import scrub
from suara.store import first_row, utcnow


def _day(value: str | None, option: str) -> datetime | None:
    """YYYY-MM-DD to midnight UTC (naive, like the store's timestamps)."""
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value.strip()), time())
    except ValueError:
        raise UserError(
            f"{option} {value!r} is not a date: write it as YYYY-MM-DD, e.g. 2023-01-01"
        ) from None


def alerts(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Evaluate as of every week from DATE (YYYY-MM-DD) until now, to find past surges "
            "(default: only as of now, like the nightly job).",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", metavar="DATE", help="With --since: the last day to evaluate (default: now)."
        ),
    ] = None,
    min_count: Annotated[
        int | None,
        typer.Option(
            "--min-count", min=1, help="Fewest complaints for an alert (default: [alerts] min_count)."
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Find complaint spikes and version jumps with the nightly job's rule and store the new ones.

    Without --since: as of now. With --since 2023-01-01: as of every week since then, so the history of
    a fresh import shows on the Peringatan page. Running it again stores nothing new. Past alerts are not
    sent to the webhook; only the last week's can be.
    """
    from suara.alerts import detect_and_record, detect_since

    start, end = _day(since, "--since"), _day(until, "--until")
    now = utcnow()
    if end is not None and start is None:
        raise UserError("--until needs --since: give the first day too, e.g. --since 2023-01-01")
    if start is not None and start >= now:
        raise UserError(f"--since {since} is not in the past: give an earlier day")
    if end is not None and end <= start:
        raise UserError(f"--until {until} is not after --since {since}: give a later day")
    s = settings(db, config)
    count = s.alert_min_count if min_count is None else min_count
    with open_store(s) as store:
        before = first_row(store.con, "SELECT count(*) FROM alerts")[0]
        if start is None:
            new, weeks = detect_and_record(store, now, count, s.apps), 0
        else:
            new, weeks = detect_since(store, start, min(end or now, now), count, s.apps)
    if new:
        t = Table(title="New alerts")
        for col in ("as of", "kind", "app", "category", "version", "observed", "expected"):
            t.add_column(col, justify="right" if col in ("observed", "expected") else "left")
        share = "{:.0%}".format
        for a in new:
            fmt = share if a.kind == "version_jump" else "{:.0f}".format
            t.add_row(
                f"{a.period_end:%Y-%m-%d}",
                a.kind,
                scrub(a.app_id),
                a.category,
                scrub(a.app_version or "-"),
                fmt(a.observed),
                fmt(a.expected) if a.kind == "version_jump" else f"{a.expected:.1f}",
            )
        out.print(t)
    span = f" over {weeks} weekly evaluations since {since}" if start is not None else " as of now"
    out.print(
        f"{len(new)} new alert(s){span}; {before + len(new)} stored in all (min count {count})",
        highlight=False,
    )
