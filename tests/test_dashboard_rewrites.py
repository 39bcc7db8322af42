"""Queries restructured for speed at 1M rows (issue 18) give what they gave before: each new query
against the statement it replaced (kept here as the reference), on the dashboard's fixture store and a
two-app store, under several views. Speed itself is the benchmark's (bench/pages.py), not a test's."""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from dashboard import apps, queries
from dashboard.filters import Filters
from dashboard.queries.base import NOT_COMPLAINTS, connect, frame, where
from dashboard.queries.compare import comparable
from reply.metrics import breakdown
from report.data import months_with_data
from suara.store import Store
from suara.taxonomy import load_taxonomy
from tests.conftest import label_stored
from tests.dashboard_fixture import LAST_DAY, build

texts_module = importlib.import_module("dashboard.queries.texts")  # the package's ``texts`` is the function

END = (LAST_DAY + timedelta(days=1)).date()
VIEWS = [
    Filters(),
    Filters(start=END - timedelta(days=90), end=END),
    Filters(start=END - timedelta(days=30), end=END, sources=("play_store",)),
    Filters(categories=("quota_full", "none")),
    Filters(ratings=(1, 2), versions=("5.2.0",)),
    Filters(start=END - timedelta(days=7), end=END, apps=("nothing",)),
]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("rewrites") / "suara.duckdb")


# -- Kantor: one statement for the ranking and the categories ------------------------------------------
def offices_before(db: Path, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    cond, params = where(f)
    params["not_complaints"] = list(NOT_COMPLAINTS)
    mentions = f"""
        SELECT o.office_id, o.feedback_id FROM feedback_offices o
        WHERE o.feedback_id IN (SELECT f.id FROM feedback f WHERE {cond})
    """
    with connect(db) as con:
        ranking = frame(
            con,
            f"""
            WITH m AS ({mentions}),
            complaint AS (
                SELECT DISTINCT feedback_id FROM effective_labels
                WHERE NOT list_contains($not_complaints, category)
                  AND feedback_id IN (SELECT feedback_id FROM m)
            )
            SELECT m.office_id, count(*) AS mentions, count(c.feedback_id) AS complaints
            FROM m LEFT JOIN complaint c ON c.feedback_id = m.feedback_id
            GROUP BY 1 ORDER BY complaints DESC, mentions DESC, 1
            """,
            params,
        )
        per_category = frame(
            con,
            f"""
            WITH m AS ({mentions})
            SELECT m.office_id, l.category, count(*) AS n
            FROM m JOIN effective_labels l ON l.feedback_id = m.feedback_id
            WHERE NOT list_contains($not_complaints, l.category)
            GROUP BY ALL ORDER BY 1, n DESC, 2
            """,
            params,
        )
    return ranking, per_category


@pytest.mark.parametrize("view", range(len(VIEWS)))
def test_offices_as_before(fixture_db, view):
    ranking, per_category = queries.offices(fixture_db, VIEWS[view])
    want_ranking, want_categories = offices_before(fixture_db, VIEWS[view])
    pd.testing.assert_frame_equal(ranking, want_ranking, check_dtype=False)
    pd.testing.assert_frame_equal(per_category, want_categories, check_dtype=False)
    assert list(ranking.dtypes[1:]) == ["int64", "int64"] and per_category["n"].dtype == "int64"
    if view == 0:
        assert len(ranking) and ranking["complaints"].sum() > 0


# -- Kategori and Kantor: a category's page of texts from the view's first texts ------------------------
@pytest.mark.parametrize("sort", sorted(queries.SORTS))
@pytest.mark.parametrize("category", ["app_error", "payment_stuck", "praise", "none"])
@pytest.mark.parametrize("view", [0, 1, 3, 4])
def test_a_categorys_page_as_read_in_full(fixture_db, monkeypatch, sort, category, view):
    f = VIEWS[view]
    pages = []
    # the default, a few candidates (the page is often read in full), none (always read in full, as before)
    for candidates, factor, limit in ((2000, 50, 200), (3, 1, 200), (0, 0, 0)):
        monkeypatch.setattr(texts_module, "CANDIDATES", candidates)
        monkeypatch.setattr(texts_module, "CANDIDATE_FACTOR", factor)
        monkeypatch.setattr(texts_module, "CANDIDATE_PAGES", limit)
        pages.append(
            [queries.texts(fixture_db, f, category, None, None, page, 7, sort) for page in (1, 2, 5, 40)]
        )
    for found in pages[:2]:
        for (total, rows), (want_total, want_rows) in zip(found, pages[2], strict=True):
            assert total == want_total
            pd.testing.assert_frame_equal(rows, want_rows)
    assert pages[2][0][0] > 0 or category == "none" or view != 0


def test_a_known_total_that_is_wrong_reads_the_page_in_full(fixture_db):
    f = VIEWS[1]
    total, rows = queries.texts(fixture_db, f, "app_error", page_size=20)
    _, again = queries.texts(fixture_db, f, "app_error", page_size=20, known_total=total + 100)
    pd.testing.assert_frame_equal(rows, again)


# -- Ringkasan: the report's months without the reply figures ----------------------------------------
def months_before(db: Path, limit: int = 24, app: str | None = None) -> list[date]:
    with connect(db) as con:
        per = breakdown(con, "month", *where(Filters(apps=(app,) if app else ())))
    return [date(int(m[:4]), int(m[5:7]), 1) for m in per["value"].head(limit)]


@pytest.mark.parametrize("limit, app", [(24, None), (2, None), (24, "mpaspor"), (24, "nothing")])
def test_report_months_as_before(fixture_db, limit, app):
    assert months_with_data(fixture_db, limit, app) == months_before(fixture_db, limit, app)


# -- Bandingkan: the apps' figures without materialising the picked texts ---------------------------
FIGURES_BEFORE = """
    WITH scope AS (SELECT unnest($scope_apps) AS app_id, unnest($scope_cats) AS category),
    picked AS MATERIALIZED (
        SELECT f.id, f.app_id, f.rating FROM feedback f WHERE {cond} AND list_contains($apps, f.app_id)
    ),
    labelled AS MATERIALIZED (
        SELECT DISTINCT p.id, p.app_id, l.category FROM picked p
        JOIN effective_labels l ON l.feedback_id = p.id
        JOIN scope s ON s.app_id = p.app_id AND s.category = l.category
    )
    SELECT 'app' AS kind, app_id, NULL AS category, count(*) AS n, count(rating) AS rated,
           avg(rating) AS avg_rating
    FROM picked GROUP BY app_id
    UNION ALL
    SELECT 'complaints', app_id, NULL, count(DISTINCT id), NULL, NULL FROM labelled
    WHERE NOT list_contains($not_complaints, category) GROUP BY app_id
    UNION ALL
    SELECT 'category', app_id, category, count(*), NULL, NULL FROM labelled
    WHERE list_contains($shared, category) GROUP BY app_id, category
"""
T0 = datetime(2025, 3, 10, 8)
# (app, source, native id, rating, labels, days before T0)
ROWS = [
    ("mpaspor", "play_store", "m1", 1, ["app_error", "quota_full"], 0),
    ("mpaspor", "play_store", "m2", 5, ["praise"], 1),
    ("mpaspor", "app_store", "m3", 2, ["payment_stuck", "app_error"], 2),
    ("mpaspor", "twitter", "m4", None, ["app_error"], 3),
    ("mpaspor", "play_store", "m0", 1, ["app_error"], 400),
    ("mobilejkn", "play_store", "j1", 1, ["quota_full"], 0),  # a label outside Mobile JKN's scope
    ("mobilejkn", "play_store", "j2", 4, ["praise", "app_error"], 1),
    ("mobilejkn", "app_store", "j3", 3, [], 2),
    ("mobilejkn", "play_store", "j4", None, ["otp_not_received", "account_login"], 5),
]


@pytest.fixture(scope="module")
def two_apps(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("two_apps") / "suara.duckdb"
    records = [
        {"source": source, "native_id": nid, "app_id": app, "text": f"teks {nid}", "rating": rating,
         "created_at": (T0 - timedelta(days=ago)).isoformat() + "Z"}
        for app, source, nid, rating, _, ago in ROWS
    ]  # fmt: skip
    ids = [f"{r['source']}:{r['native_id']}" for r in records]
    with Store(path) as store:
        store.upsert_feedback(records)
        label_stored(store, ids, [(fid, c) for fid, row in zip(ids, ROWS, strict=True) for c in row[4]])
    return path


def figures_before(db: Path, f: Filters, scope) -> pd.DataFrame:
    from dashboard.queries.compare import shared

    cond, params = where(comparable(f))
    params = {
        **params,
        "apps": [a for a, _ in scope],
        "scope_apps": [a for a, cats in scope for _ in cats],
        "scope_cats": [c for _, cats in scope for c in cats],
        "not_complaints": list(NOT_COMPLAINTS),
        "shared": shared(scope),
    }
    with connect(db) as con:
        return frame(con, FIGURES_BEFORE.format(cond=cond), params)


def sorted_frame(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["kind", "app_id", "category"], na_position="first", ignore_index=True)


@pytest.mark.parametrize(
    "f",
    [Filters(), Filters(start=date(2025, 3, 1), end=date(2025, 4, 1)), Filters(sources=("play_store",)),
     Filters(apps=("mobilejkn",), ratings=(1,))],
)  # fmt: skip
@pytest.mark.parametrize("chosen", [("mpaspor", "mobilejkn"), ("mobilejkn",), ("mpaspor", "other")])
def test_compare_figures_as_before(two_apps, monkeypatch, f, chosen):
    compare_module = importlib.import_module("dashboard.queries.compare")
    tax = load_taxonomy()
    scope = tuple((a, tuple(tax.ids_for(apps.identifiers(a)))) for a in chosen)
    if chosen == ("mpaspor", "mobilejkn"):  # and scopes that differ, as the configuration can make them
        scope = (scope[0], ("mobilejkn", tuple(c for c in scope[1][1] if c != "quota_full")))
    seen = {}
    real_frame = compare_module.frame

    def capture(con, sql, params=None):
        df = real_frame(con, sql, params)
        seen["figures"] = df.copy()  # compare() pops a column of what it reads
        return df

    monkeypatch.setattr(compare_module, "frame", capture)
    summary, cats = queries.compare(two_apps, f, scope)
    pd.testing.assert_frame_equal(
        sorted_frame(seen["figures"]), sorted_frame(figures_before(two_apps, f, scope)), check_dtype=False
    )
    # a scope that names a category twice counts it once, as before
    doubled = tuple((a, cats + cats[:2]) for a, cats in scope)
    again = queries.compare(two_apps, f, doubled)
    pd.testing.assert_frame_equal(again[0], summary)
    if not f.ratings and "mpaspor" in chosen and not f.sources:
        assert int(summary.loc[summary["app_id"] == "mpaspor", "complaints"].iloc[0]) >= 3
