"""Rating & sentimen, through AppTest on the dashboard fixture plus a sentiment for every text.

Figures are checked against independent SQL on the same file; the page takes every filter value in
both languages; X (no stars) has its sentiment trend; releases are the versions first seen in the
period; a database without sentiment says how to get it; `suara export` carries the sentiment.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from dashboard.filters import Filters
from dashboard.queries import rating_trends
from dashboard.queries.trends import MIN_BUCKET
from suara.cli import app as cli
from suara.sentiment import save_sentiment
from suara.store import Store
from tests.dashboard_fixture import LAST_DAY, build
from tests.test_dashboard import APP, CATEGORY_VALUES, FILTER_VALUES, period, sql


def sentiment_of(text: str, rating) -> str:
    """The fixture's sentiment: praise positive, "lumayan" neutral, everything else negative."""
    return "positif" if text.startswith("Mantap") else "netral" if text.startswith("lumayan") else "negatif"


@pytest.fixture(scope="module")
def plain_db(tmp_path_factory):
    return build(tmp_path_factory.mktemp("ratings") / "plain.duckdb")


@pytest.fixture(scope="module")
def scored_db(plain_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("ratings") / "scored.duckdb"
    shutil.copy(plain_db, path)
    with Store(path) as store:
        rows = store.con.execute(
            "SELECT id, text, rating, content_hash, seq FROM feedback ORDER BY id"
        ).fetchall()
        feelings = [sentiment_of(text, rating) for _, text, rating, _, _ in rows]
        save_sentiment(
            store,
            pa.table(
                {
                    "feedback_id": [r[0] for r in rows],
                    "feedback_seq": [r[4] for r in rows],
                    "sentiment": feelings,
                    "score": [{"positif": 0.9, "netral": 0.5, "negatif": 0.1}[s] for s in feelings],
                    "model_id": ["sent-test"] * len(rows),
                    "content_hash": [r[3] for r in rows],
                }
            ),
        )
    return path


@pytest.fixture
def db(scored_db, monkeypatch):
    monkeypatch.setenv("SUARA_DB", str(scored_db))
    return scored_db


def page(**query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update(query)
    at.run()
    at.switch_page("views/ratings.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_cards_equal_sql(db):
    start, end = period(db)
    ((avg, rated),) = sql(
        db,
        "SELECT avg(rating), count(rating) FROM feedback WHERE created_at >= ? AND created_at < ?",
        [start, end],
    )
    ((pos, neg),) = sql(
        db,
        "SELECT avg((s.sentiment = 'positif')::INT), avg((s.sentiment = 'negatif')::INT) FROM feedback f "
        "JOIN feedback_sentiment s ON s.feedback_id = f.id WHERE f.created_at >= ? AND f.created_at < ?",
        [start, end],
    )
    m = metrics(page())
    assert m["Rata-rata bintang"] == f"{avg:.2f}".replace(".", ",")
    assert m["Ulasan berbintang"] == f"{rated:,}".replace(",", ".")
    assert m["Sentimen positif"] == f"{pos * 100:.1f}".replace(".", ",") + "%"
    assert m["Sentimen negatif"] == f"{neg * 100:.1f}".replace(".", ",") + "%"
    en = metrics(page(lang="en"))
    assert en["Average stars"] == f"{avg:.2f}" and en["Positive sentiment"] == f"{pos * 100:.1f}%"


def test_twitter_has_a_sentiment_trend_but_no_stars(db):
    at = page(source="twitter")
    m = metrics(at)
    assert m["Ulasan berbintang"] == "0" and m["Rata-rata bintang"] == "–"
    assert any("twit" in i.value for i in at.info)  # no rated reviews, said so
    assert len(at.get("vega_lite_chart")) >= 2  # the complaint and sentiment trends still drawn
    start, end = period(db)
    data = rating_trends(str(db), Filters(start=start.date(), end=end.date()))
    x = data["sentiment"][data["sentiment"]["source"] == "twitter"]
    assert not x.empty and set(x["category"]) == {"negatif", "netral", "positif"}
    # X's own totals decide what is drawn: a bucket with fewer than MIN_BUCKET tweets has no share
    assert (x["share"].isna() == (x["total"] < MIN_BUCKET)).all()
    assert set(data["sentiment"]["source"]) == {"play_store", "app_store", "twitter"}


def test_stars_and_average_follow_the_trend_rules(db):
    start, end = period(db)
    data = rating_trends(str(db), Filters(start=start.date(), end=end.date()))
    assert data["unit"] == "week"
    stars, avg = data["stars"], data["average"]
    # every bucket's distribution sums to one where drawn, and the average is that of its stars
    drawn = stars[stars["share"].notna()]
    assert (drawn.groupby("bucket")["share"].sum().round(9) == 1).all()
    (truth,) = sql(
        db,
        "SELECT avg(rating) FROM feedback WHERE created_at >= ? AND created_at < ? AND rating IS NOT NULL "
        "AND date_trunc('week', created_at) = (SELECT max(date_trunc('week', created_at)) FROM feedback)",
        [start, end],
    )[0]
    assert avg.iloc[-1]["average"] == pytest.approx(truth)
    # a one-week period on one version holds fewer than MIN_BUCKET rated texts a day: nothing drawn
    thin = rating_trends(
        str(db), Filters(start=date(2025, 3, 24), end=date(2025, 3, 31), versions=("5.2.0",))
    )
    assert thin["unit"] == "day" and thin["average"]["average"].isna().all()


def test_releases_are_the_versions_first_seen_in_the_period(db):
    start, end = period(db)
    data = rating_trends(str(db), Filters(start=start.date(), end=end.date()))
    firsts = dict(
        sql(db, "SELECT app_version, min(created_at) FROM feedback WHERE app_version IS NOT NULL GROUP BY 1")
    )
    expected = sorted(v for v, first in firsts.items() if start <= first < end)
    assert sorted(data["releases"]["app_version"]) == expected == ["5.1.0", "5.2.0"]
    at = page()
    assert any("5.1.0, 5.2.0" in c.value for c in at.caption)
    # the releases are drawn on the charts: a rule layer in every trend chart's spec
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert specs and all('"rule"' in s for s in specs)
    last_week = rating_trends(str(db), Filters(start=(LAST_DAY - timedelta(days=6)).date(), end=end.date()))
    assert last_week["releases"].empty


def test_every_filter_value(db):
    at = page()
    for key, value in FILTER_VALUES + CATEGORY_VALUES:
        at.query_params.clear()
        at.query_params[key] = value
        at.run()
        assert not at.exception, (key, value, [e.value for e in at.exception])
        assert not at.error, (key, value)


def test_without_sentiment_the_page_says_what_to_do(plain_db, monkeypatch):
    monkeypatch.setenv("SUARA_DB", str(plain_db))
    at = page()
    assert any("suara sentiment train" in i.value for i in at.info)
    assert metrics(at)["Sentimen positif"] == "–"


def test_export_and_downloads_carry_the_sentiment(db, tmp_path):
    out = tmp_path / "x.csv"
    result = CliRunner().invoke(cli, ["export", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out)
    truth = dict(sql(db, "SELECT feedback_id, sentiment FROM feedback_sentiment"))
    assert df.set_index("id")["sentiment"].to_dict() == truth
    from dashboard.queries import export_rows

    rows = export_rows(str(db), Filters(), limit=5)
    assert rows["sentiment"].tolist() == [truth[i] for i in rows["id"]]


def test_a_text_card_shows_its_sentiment(db):
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page("views/feedback.py").run()
    assert not at.exception
    assert any("sentimen " in c.value for c in at.caption)


def test_schema_has_the_sentiment_table(plain_db):
    with duckdb.connect(str(plain_db), read_only=True) as con:
        cols = [r[0] for r in con.execute("DESCRIBE feedback_sentiment").fetchall()]
    assert cols[:4] == ["feedback_id", "sentiment", "score", "model_id"]


def test_the_demo_shows_the_page_with_data(tmp_path, monkeypatch):
    """`make demo`'s path (init, import the demo corpus, classify with the shipped models), then the page."""
    demo_db = tmp_path / "demo.duckdb"
    runner = CliRunner()
    for args in (
        ["init"],
        ["import", "data/demo/feedback.jsonl"],
        ["classify"],
    ):
        result = runner.invoke(cli, [*args, "--db", str(demo_db)])
        assert result.exit_code == 0, result.output
    monkeypatch.setenv("SUARA_DB", str(demo_db))
    at = page(period="all")
    m = metrics(at)
    assert m["Rata-rata bintang"] != "–" and m["Sentimen negatif"] != "–"
    assert not at.info  # stars, sentiment and complaints all have data
    assert len(at.get("vega_lite_chart")) == 4
    data = rating_trends(str(demo_db), Filters())
    x = data["sentiment"][data["sentiment"]["source"] == "twitter"]
    assert x["share"].notna().sum() >= 10  # X's sentiment trend is drawn, month after month
