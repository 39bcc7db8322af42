"""What `suara status` shows, read through a read-only connection.

Status only looks, so it opens the database read-only (``suara.store.read_connection``): it works on a
read-only data directory or a copy on a read-only medium, and never migrates or locks out a writer for
longer than its few aggregate queries. A file of an older schema is not upgraded here; the message says
that `suara init` does it.
"""

from __future__ import annotations

from pathlib import Path

from ingest.health import source_warnings
from suara.migrations import SCHEMA_VERSION, schema_version
from suara.store import StoreError, current_model, first_row, read_connection
from suara.topic_records import describe as describe_taxonomy


def status(path: Path) -> dict:
    """Counts per source and app, the latest runs, and the model in use."""
    with read_connection(path) as con:
        version = schema_version(con)
        if version < SCHEMA_VERSION:
            raise StoreError(
                f"database {path} has schema version {version}, older than this Suara ({SCHEMA_VERSION}): "
                "`suara init` upgrades it"
            )
        per_source = con.execute(
            "SELECT source, app_id, count(*), min(created_at), max(created_at) FROM feedback "
            "GROUP BY ALL ORDER BY source, app_id"
        ).fetchall()
        runs = con.execute(
            "SELECT run_id, job, source, app_id, started_at, finished_at, status, new, updated, message "
            "FROM runs ORDER BY run_id DESC LIMIT 10"
        ).fetchall()
        return {
            "db": str(path),
            "schema_version": version,
            "per_source": per_source,
            "runs": runs,
            "model": current_model(con),
            "classified": first_row(con, "SELECT count(*) FROM classifications")[0],
            "human_reviews": first_row(con, "SELECT count(*) FROM human_reviews")[0],
            "warnings": source_warnings(con),  # gaps and warnings of the sources (ingest/health.py)
            "taxonomy": describe_taxonomy(con),  # its version, the analysts' added categories
        }
