"""What every dashboard query shares: the read-only connection (one per page run), the filters as one
WHERE clause, and the parameters a statement names.

Filters arrive as a ``dashboard.filters.Filters``; they become one parameterized WHERE clause on the
feedback table (``f``); categories always come from the ``effective_labels`` table, where an analyst's
labels override the model's. The category filter may hold ``UNCATEGORIZED``: feedback with no
category at all (a quarter of real reviews), so those texts are findable like any other.
"""

from __future__ import annotations

import re
import threading
from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from suara.store import read_connection
from suara.taxonomy import load_taxonomy

if TYPE_CHECKING:
    from dashboard.filters import Filters

LOCK_WAIT = 5.0  # seconds a query waits for the nightly writer to let go before saying the file is locked
UNCATEGORIZED = "none"  # the category filter's value for feedback without any category
# Categories that are not complaints (praise): "share with a complaint" and "most complaints" leave them out.
NOT_COMPLAINTS = tuple(c.id for c in load_taxonomy().categories if not c.complaint)
_PARAM = re.compile(r"\$([A-Za-z_]\w*)")


_page = threading.local()  # the connection of this thread's page run (Streamlit runs a session per thread)


@contextmanager
def page_connection():
    """The scope of one page run (dashboard/app.py): every query in it shares one read-only connection,
    opened by the first query that is not answered from the cache and closed when the run ends, instead
    of one connection per query (25-30 ms each at 1M rows, three to five a page). The nightly writer is
    locked out for a page run's second at most, as before for a query's milliseconds. Nested scopes
    share the outer one. The connection is closed on a thread of its own once the run ends
    (``_close_later``); ``release`` and ``closed`` wait for it."""
    if getattr(_page, "stack", None) is not None:
        yield
        return
    _page.stack, _page.con, _page.db = ExitStack(), None, None
    try:
        yield
    finally:
        stack, _page.stack, _page.con, _page.db = _page.stack, None, None, None
        _close_later(stack)


_closing: list[threading.Thread] = []  # connections of finished page runs, still being closed
_closing_lock = threading.Lock()


def _close_later(stack: ExitStack) -> None:
    """Close a finished run's connection on a thread of its own: closing one that read a million rows
    frees its buffers, 20-40 ms that the page's visitor would otherwise wait for after its last element
    (Pelabelan at 1M rows, four runs each way: 891 against 932 ms of script)."""
    closer = threading.Thread(target=stack.close, name="suara-page-close", daemon=True)
    with _closing_lock:  # started before it is listed: ``closed`` joins only started threads
        _closing[:] = [c for c in _closing if c.is_alive()]
        closer.start()
        _closing.append(closer)


def closed() -> None:
    """Wait until the connections of finished page runs are closed."""
    with _closing_lock:
        pending = list(_closing)
    for closer in pending:
        closer.join()


def _drop() -> None:
    """Close the page run's connection now; the next query opens another."""
    stack = getattr(_page, "stack", None)
    if stack is not None:
        stack.close()
        _page.stack, _page.con, _page.db = ExitStack(), None, None


def release() -> None:
    """Close this process's read-only connections now, the page run's and those of runs just finished
    (before this process opens the file to write: DuckDB allows no read-write connection beside a
    read-only one); the next query opens another."""
    _drop()
    closed()


@contextmanager
def connect(db: str | Path):
    """A read-only connection (``suara.store.read_connection``): the page run's shared one inside
    ``page_connection``, else a short-lived one for this query alone."""
    stack = getattr(_page, "stack", None)
    if stack is None:
        with read_connection(db, wait=LOCK_WAIT) as con:
            yield con
        return
    if _page.con is None or _page.db != str(db):
        _drop()  # (read-only connections of runs still closing may stay: they are no writer)
        _page.con = _page.stack.enter_context(read_connection(db, wait=LOCK_WAIT))
        _page.db = str(db)
    yield _page.con


def ts(d: date | datetime | None) -> datetime | None:
    return d if isinstance(d, datetime) or d is None else datetime(d.year, d.month, d.day)


def where(f: Filters, period: bool = True) -> tuple[str, dict]:
    """The filters as a WHERE clause on ``feedback f`` and its parameters (period optional)."""
    clauses, params = ["true"], {}
    if period and f.start:
        clauses.append("f.created_at >= $start")
        params["start"] = ts(f.start)
    if period and f.end:
        clauses.append("f.created_at < $end")
        params["end"] = ts(f.end)
    for column, name, values in (
        ("f.source", "sources", f.sources),
        ("f.app_id", "apps", f.apps),
        ("f.rating", "ratings", f.ratings),
        ("f.app_version", "versions", f.versions),
    ):
        if values:
            clauses.append(f"list_contains(${name}, {column})")
            params[name] = list(values)
    named = [c for c in f.categories if c != UNCATEGORIZED]
    either = []
    if named:
        either.append(
            "f.seq IN (SELECT feedback_seq FROM effective_labels WHERE list_contains($categories, category))"
        )
        params["categories"] = named
    if UNCATEGORIZED in f.categories:
        either.append("f.seq NOT IN (SELECT feedback_seq FROM effective_labels)")
    if either:
        clauses.append("(" + " OR ".join(either) + ")")
    return " AND ".join(clauses), params


def run(con, sql: str, params: dict | None = None):
    """Execute with the parameters the statement names (DuckDB rejects extra ones)."""
    used = set(_PARAM.findall(sql))
    return con.execute(sql, {k: v for k, v in (params or {}).items() if k in used})


def frame(con, sql: str, params: dict | None = None) -> pd.DataFrame:
    return run(con, sql, params).df()
