"""Bandingkan aplikasi (dashboard/views/compare.py, dashboard/queries/compare.py): the comparison's
figures against a small store built by hand, the page through AppTest with every filter value in
both languages, and the sidebar's categories per selected app (the taxonomy's app scopes)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import apps, queries
from dashboard.filters import Filters
from dashboard.queries.compare import shared
from dashboard.views.compare import TEXTS
from suara.store import Store
from suara.taxonomy import load_taxonomy
from tests.conftest import label_stored

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
CONFIG = """
[apps.mpaspor]
name = "M-Paspor"
play_package = "id.go.imigrasi.paspor_online"

[apps.mobilejkn]
name = "Mobile JKN"
play_package = "app.bpjs.mobile"
"""
T0 = datetime(2025, 3, 10, 8)
# (app, source, native id, rating, labels, reply delay in hours or None, days before T0)
ROWS = [
    ("mpaspor", "play_store", "m1", 1, ["app_error", "quota_full"], 10, 0),
    ("mpaspor", "play_store", "m2", 5, ["praise"], None, 1),
    ("mpaspor", "app_store", "m3", 2, ["payment_stuck"], 30, 2),
    ("mpaspor", "twitter", "m4", None, ["app_error"], None, 3),
    ("mpaspor", "play_store", "m0", 1, ["app_error"], 1, 400),  # long before: outside March
    ("mobilejkn", "play_store", "j1", 1, ["quota_full"], None, 0),  # a label outside Mobile JKN's scope
    ("mobilejkn", "play_store", "j2", 4, ["praise", "app_error"], 2, 1),
    ("mobilejkn", "app_store", "j3", 3, [], None, 2),
]
MARCH = Filters(start=date(2025, 3, 1), end=date(2025, 4, 1))


@pytest.fixture(scope="module")
def store_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("compare") / "suara.duckdb"
    records = []
    for app, source, nid, rating, _, delay, ago in ROWS:
        created = T0 - timedelta(days=ago)
        records.append(
            {"source": source, "native_id": nid, "app_id": app, "text": f"teks {nid}", "rating": rating,
             "created_at": created.isoformat() + "Z",
             "reply_text": "Terima kasih" if delay is not None else None,
             "replied_at": (created + timedelta(hours=delay)).isoformat() + "Z" if delay is not None else None,
             "app_version": "1.0.0" if source != "twitter" else None}
        )  # fmt: skip
    ids = [f"{r['source']}:{r['native_id']}" for r in records]
    with Store(path) as store:
        store.upsert_feedback(records)
        label_stored(store, ids, [(fid, c) for fid, row in zip(ids, ROWS, strict=True) for c in row[4]])
    return path


@pytest.fixture
def configured(store_db, tmp_path, monkeypatch) -> Path:
    config = tmp_path / "suara.toml"
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("SUARA_CONFIG", str(config))
    monkeypatch.setenv("SUARA_DB", str(store_db))
    return store_db


def scope_of(*app_ids: str):
    tax = load_taxonomy()
    return tuple((a, tuple(tax.ids_for(apps.identifiers(a)))) for a in app_ids)


def test_scopes_from_the_configuration(configured):
    assert apps.app_name("mobilejkn") == "Mobile JKN" and apps.app_name("other") == "other"
    assert "quota_full" in apps.categories_for(("mpaspor",))
    assert "quota_full" not in apps.categories_for(("mobilejkn",))
    assert (
        "quota_full" in apps.categories_for(("mobilejkn", "mpaspor"))
        and apps.categories_for(()) == load_taxonomy().ids
    )
    both = shared(scope_of("mpaspor", "mobilejkn"))
    assert both == apps.shared_categories(("mpaspor", "mobilejkn"))
    assert set(load_taxonomy().ids) - set(both) == {"office_unavailable", "quota_full"}


def test_figures_per_app_match_the_hand_built_store(configured):
    summary, cats = queries.compare(configured, MARCH, scope_of("mpaspor", "mobilejkn"))
    got = summary.set_index("app_id")
    m, j = got.loc["mpaspor"], got.loc["mobilejkn"]
    assert (m["n"], m["rated"], m["complaints"]) == (4, 3, 3)  # m0 is outside the period
    assert m["avg_rating"] == pytest.approx(8 / 3) and m["complaint_share"] == pytest.approx(0.75)
    assert (m["store_n"], m["answered"]) == (3, 2) and m["response_rate"] == pytest.approx(2 / 3)
    assert m["median_hours"] == pytest.approx(20)  # 10 h and 30 h
    # j1's quota_full lies outside Mobile JKN's scope: it is no complaint and no category of it
    assert (j["n"], j["complaints"], j["answered"]) == (3, 1, 1)
    assert j["complaint_share"] == pytest.approx(1 / 3) and j["median_hours"] == pytest.approx(2)
    share = cats.set_index(["app_id", "category"])["share"]
    assert share["mpaspor", "app_error"] == 0.5 and share["mpaspor", "payment_stuck"] == 0.25
    assert (
        share["mobilejkn", "app_error"] == pytest.approx(1 / 3) and share["mobilejkn", "payment_stuck"] == 0
    )
    assert "quota_full" not in set(cats["category"]) and len(cats) == 2 * len(
        shared(scope_of("mpaspor", "mobilejkn"))
    )


def test_filters_the_comparison_honours(configured):
    scope = scope_of("mpaspor", "mobilejkn")
    play, _ = queries.compare(
        configured, Filters(start=MARCH.start, end=MARCH.end, sources=("play_store",)), scope
    )
    m = play.set_index("app_id").loc["mpaspor"]
    assert (m["n"], m["complaints"], m["answered"], m["median_hours"]) == (2, 1, 1, 10)
    ignored = Filters(
        start=MARCH.start, end=MARCH.end, ratings=(5,), versions=("9.9",), categories=("praise",)
    )
    assert queries.compare(configured, ignored, scope)[0].equals(queries.compare(configured, MARCH, scope)[0])
    everything, _ = queries.compare(configured, Filters(), scope)
    assert everything.set_index("app_id").loc["mpaspor", "n"] == 5
    one, cats = queries.compare(configured, MARCH, scope_of("mobilejkn"))
    assert one["app_id"].tolist() == ["mobilejkn"] and "office_unavailable" not in set(cats["category"])
    none, no_cats = queries.compare(configured, MARCH, ())
    assert none.empty and no_cats.empty


def page(**query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update(query)
    at.run()
    at.switch_page("views/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_shows_names_and_figures_in_both_languages(configured):
    at = page(period="all")
    summary = at.dataframe[0].value
    assert summary["app"].tolist() == ["M-Paspor", "Mobile JKN"]
    assert summary["n"].tolist() == ["5", "3"]
    row = summary.set_index("app").loc["Mobile JKN"]
    assert (row["rating"], row["complaint"], row["response"], row["median"]) == (
        "2,7 ★",
        "33,3%",
        "33,3%",
        "2 jam",
    )
    assert any("Kuota selalu penuh" in c.value for c in at.caption)  # named, not compared
    grid = at.dataframe[1].value.set_index("Kategori")
    assert grid.loc["Gangguan sistem / aplikasi error", "Mobile JKN"] == "33,3%"
    assert "Kuota selalu penuh" not in grid.index
    at.query_params["lang"] = "en"
    at.run()
    summary = at.dataframe[0].value.set_index("app")
    assert (
        summary.loc["M-Paspor", "rating"] == "2.2 ★"
    )  # 9 stars / 4 and summary.loc["M-Paspor", "median"] == "10 h"
    assert "Category" in at.dataframe[1].value.columns


def test_the_sidebar_lists_the_selected_apps_categories(configured):
    at = page(app="mobilejkn", category="quota_full")
    options = at.sidebar.multiselect(key="category").options
    assert "Kuota selalu penuh" not in options and "Gangguan sistem / aplikasi error" in options
    assert "category" not in at.query_params  # a category the app cannot have is dropped from the link
    at = page(app="mpaspor")
    assert "Kuota selalu penuh" in at.sidebar.multiselect(key="category").options


FILTER_VALUES = [
    *[("period", p) for p in ("7d", "30d", "90d", "365d", "all", "custom")],
    *[("source", s) for s in ("play_store", "app_store", "twitter")],
    *[("rating", str(r)) for r in (1, 2, 3, 4, 5)],
    ("version", "1.0.0"),
    ("app", "mpaspor"),
    ("app", "mobilejkn"),
    ("app", "mpaspor,mobilejkn"),
    ("lang", "en"),
    ("category", "none"),
    *[("category", c) for c in load_taxonomy().ids],
]


def test_every_filter_value(configured):
    at = page()
    for key, value in FILTER_VALUES:
        at.query_params.clear()
        at.query_params[key] = value
        at.run()
        assert not at.exception, (key, value, [e.value for e in at.exception])
        assert not at.error, (key, value)
        if key in ("rating", "version", "category"):
            assert at.info and at.info[0].value in TEXTS["ignored"]  # the language may be either


def test_one_app_and_no_feedback(configured):
    at = page(app="mobilejkn", period="all")
    assert any("Hanya satu aplikasi" in i.value for i in at.info)
    at = page(period="custom", dates=["2020-01-01", "2020-01-02"])
    assert any("Tidak ada masukan" in i.value for i in at.info)


def test_the_category_and_version_pages_offer_the_selected_apps_categories(configured):
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update(app="mobilejkn", period="all")
    at.run()
    at.switch_page("views/category.py").run()
    assert not at.exception, [e.value for e in at.exception]
    options = at.selectbox(key="cat").options
    assert "Kuota selalu penuh" not in options and "Gangguan sistem / aplikasi error" in options
    at.query_params["min_n"] = "1"
    at.switch_page("views/versions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = rendered(at.main)  # the chart's spec and data too
    assert "Gangguan sistem" in shown and "Kuota selalu penuh" not in shown  # j1's legacy label: not shown


def rendered(node) -> str:
    own = str(node.proto) if getattr(node, "proto", None) is not None else ""
    return "\n".join([own, *(rendered(c) for c in getattr(node, "children", {}).values())])


def test_the_labelling_queue_offers_each_texts_own_app_categories(configured):
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update(period="all")
    at.run()
    at.switch_page("views/review.py").run()
    assert not at.exception, [e.value for e in at.exception]
    offered = {}
    for form in at.main.get("form"):
        pills = [p for p in form.get("button_group")]
        app_id = "mobilejkn" if any("teks j" in m.value for m in form.get("markdown")) else "mpaspor"
        offered.setdefault(app_id, set()).update(o.content for p in pills for o in p.proto.options)
    assert "Kuota selalu penuh" in offered["mpaspor"] and "Kuota selalu penuh" not in offered["mobilejkn"]
    assert "Gangguan sistem / aplikasi error" in offered["mobilejkn"]
