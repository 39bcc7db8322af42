"""One read-only connection per page run (dashboard/queries/base.py): inside ``page_connection`` every
query shares one connection, opened by the first and closed when the run ends (on a thread of its
own); ``release`` lets the same process write (DuckDB refuses a read-write connection beside a
read-only one); outside a page run each query has its own short-lived connection, as before."""

from __future__ import annotations

import threading
import time

import duckdb
import pytest

from dashboard import queries
from dashboard.filters import Filters
from dashboard.queries import base
from suara.human_labels import save_human_labels
from suara.store import Store
from tests.dashboard_fixture import ANALYST, build


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build(tmp_path_factory.mktemp("conn") / "suara.duckdb")


def _connection(db):
    with base.connect(db) as con:
        return con


def test_a_page_run_shares_one_connection_and_closes_it(db):
    with base.page_connection():
        first = _connection(db)
        everything = queries.overview(db, Filters())
        assert _connection(db) is first
        with base.page_connection():  # nested: the outer run's
            assert _connection(db) is first
        assert queries.data_range(db)["n"] == everything["kpis"]["cur"]["n"]
    base.closed()  # closed on a thread of its own once the run ended
    with pytest.raises(duckdb.Error):
        first.execute("SELECT 1")
    assert queries.data_range(db)["n"] == everything["kpis"]["cur"]["n"]  # outside a run: on its own


def test_outside_a_page_run_each_query_has_its_own(db):
    a, b = _connection(db), _connection(db)
    assert a is not b
    for con in (a, b):
        with pytest.raises(duckdb.Error):
            con.execute("SELECT 1")


def test_release_waits_for_the_runs_just_finished(db):
    for _ in range(3):
        with base.page_connection():
            queries.overview(db, Filters())
            base._page.stack.callback(time.sleep, 0.3)  # a slow close: runs before the connection's
    base.release()  # no page run open: only the finished runs' connections, each closed by now
    with Store(db, wait=0) as store:  # wait=0: any read-only connection left would refuse it at once
        assert store.con.execute("SELECT count(*) FROM feedback").fetchone()[0] > 0


def test_sessions_side_by_side_open_close_and_release_without_errors(db):
    """Streamlit runs each visitor's page in a thread of its own: runs ending, starting and releasing at
    once must not trip over each other's closes (one session's write waits for all of them)."""
    errors = []

    def session():
        for i in range(30):
            try:
                with base.page_connection():
                    queries.data_range(db)
                    if i % 3 == 0:
                        base.release()  # as a page does before it writes
            except Exception as exc:  # noqa: BLE001  every error is the failure
                errors.append(repr(exc))

    threads = [threading.Thread(target=session) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    base.closed()
    assert errors == []


def test_release_lets_the_page_write_and_read_again(db):
    with base.page_connection():
        before = queries.human_label_counts(db)
        fid = queries.texts(db, Filters(), None, None, None, 1, 1)[1]["id"].iloc[0]
        base.release()
        with Store(db, wait=1) as store:  # would wait for the read-only connection without release()
            save_human_labels(store, [(fid, ["praise"], ANALYST)])
        after = queries.human_label_counts(db)
    assert after != before
