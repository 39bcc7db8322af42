"""What source runs leave for people to see: gaps and warnings, kept in source_state per stream.

``ingest.collect`` writes them when a stream shows a sign of lost data (a feed that ended before the
stored items: a gap; an empty first page where a completed run read items: a warning) and clears a
warning when the stream reads items again. `suara status` and `suara doctor` show them
(``source_warnings``), so a silent zero becomes a line someone reads. Keys: ``gap[:scope]`` and
``warning[:scope]``, values JSON; a cleared warning is a NULL value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from suara.store import utcnow

Setter = Callable[[str, str | None], None]  # (key, value) into the stream's source_state


def record_gap(set_state: Setter, after: datetime, before: datetime) -> dict:
    gap = {"after": after.isoformat(), "before": before.isoformat(), "found": utcnow().isoformat()}
    set_state("gap", json.dumps(gap))
    return gap


def record_warning(set_state: Setter, text: str) -> str:
    set_state("warning", json.dumps({"text": text, "found": utcnow().isoformat()}))
    return text


def source_warnings(con) -> list[str]:
    """One line per open gap or warning, newest first: "app_store/mpaspor (id): GAP ... (found ...)"."""
    rows = con.execute(
        "SELECT source, app_id, key, value FROM source_state "
        "WHERE value IS NOT NULL AND (key = 'gap' OR key LIKE 'gap:%' OR key = 'warning' OR key LIKE 'warning:%') "
        "ORDER BY updated_at DESC, source, app_id, key"
    ).fetchall()
    lines = []
    for source, app_id, key, value in rows:
        kind, _, scope = key.partition(":")
        try:
            data = json.loads(value)
        except ValueError:
            continue
        where = f"{source}/{app_id}" + (f" ({scope})" if scope else "")
        if kind == "gap":
            text = f"GAP: items between {data.get('after')} and {data.get('before')} may be missing"
        else:
            text = f"WARNING: {data.get('text')}"
        lines.append(f"{where}: {text} (found {str(data.get('found', ''))[:16]} UTC)")
    return lines
