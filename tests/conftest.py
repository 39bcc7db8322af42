"""Shared fixtures: a temp database and a small set of feedback records."""

from __future__ import annotations

import pytest

from suara.logs import reset_logging
from suara.store import Store


@pytest.fixture(autouse=True)
def _no_handler_outlives_its_test():
    """A command run in CliRunner (nightly) logs to the runner's stream; that handler must not stay on the
    root logger after the stream is closed, or every later log line prints a "Logging error" traceback."""
    yield
    reset_logging()


def make_records(
    n: int = 5, source: str = "play_store", text: str = "aplikasi error terus {i}"
) -> list[dict]:
    return [
        {
            "source": source,
            "native_id": f"r{i}",
            "app_id": "mpaspor",
            "author": f"Pengguna {i}",
            "text": text.format(i=i),
            "rating": 1 + i % 5,
            "app_version": "7.3.10",
            "created_at": f"2026-03-{1 + i % 28:02d}T08:00:00Z",
        }
        for i in range(n)
    ]


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "suara.duckdb"


@pytest.fixture
def store(db_path):
    with Store(db_path) as s:
        yield s
