# ruff: noqa: F811 (fixture_db and writable_db are fixtures imported from tests/test_dashboard.py)
"""How far a category's count can be trusted, on the Kategori page and in Riwayat (issue 15: every
category trustworthy, or said not to be): the current model's figures on the labelled real reviews alone.

The store is tests/test_dashboard.py's, with a model registered whose ``validation_real`` holds the
three cases: a category measured well, ones measured on enough examples but weak, ones with too few.
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from dashboard import common
from dashboard.queries import pipeline
from nlp.model import META_FILE
from nlp.train import MIN_REAL_POSITIVES
from suara.model_files import ensure_registered, resolve_model_dir
from suara.store import Store
from tests.test_dashboard import app, fixture_db, writable_db  # noqa: F401

REAL = {
    "n": 2000,
    "per_category": {
        "app_error": {"precision": 0.904, "recall": 0.918, "f1": 0.911, "support": 838},
        "service_support": {"precision": 0.553, "recall": 0.658, "f1": 0.601, "support": 73},
        "data_security": {"precision": 0.6, "recall": 1.0, "f1": 0.75, "support": 3},
        "upload_form": {"precision": 0.55, "recall": 0.8, "f1": 0.65, "support": 165},
        "nik_not_detected": {"precision": 0.82, "recall": 0.84, "f1": 0.83, "support": 12},
    },
    "macro_f1_headline": 0.874,
}


@pytest.fixture
def measured(writable_db):
    with Store(writable_db) as store:
        store.register_model("20261207-measured", "data/models/x", {"validation_real": REAL}, 2000)
    return writable_db


def page_text(at) -> tuple[str, str]:
    captions = " ".join(c.value for c in at.caption)
    warnings = " ".join(w.value for w in at.warning)
    return captions, warnings


def test_a_category_measured_well_says_so_as_of_every_100(measured):
    captions, warnings = page_text(app("category", cat="app_error"))
    assert "Diukur pada ulasan nyata berlabel (838 di antaranya termasuk kategori ini)" in captions
    assert "sekitar 90 memang termasuk" in captions and "model menemukan sekitar 92" in captions
    assert "Perkiraan kasar" not in captions + warnings


def test_a_weak_or_rarely_seen_category_is_a_rough_estimate(measured):
    _, warnings = page_text(app("category", cat="service_support"))
    assert warnings.startswith("Perkiraan kasar.") and "sekitar 55 memang termasuk" in warnings
    _, warnings = page_text(app("category", cat="data_security", lang="en"))
    assert warnings == (
        "A rough estimate: only 3 labelled real reviews belong to this category, too few to measure how "
        "reliable its count is."
    )


def test_without_figures_on_real_reviews_the_page_claims_nothing(fixture_db, monkeypatch):
    monkeypatch.setenv("SUARA_DB", str(fixture_db))  # its model's metrics hold no validation_real
    captions, warnings = page_text(app("category", cat="app_error"))
    assert "Diukur pada ulasan nyata" not in captions and "Perkiraan kasar" not in warnings


def test_riwayat_shows_the_real_reviews_figures_first(measured):
    at = app("runs")
    bold = [m.value for m in at.markdown if m.value.startswith("**")]
    assert bold[0] == "**Ulasan nyata (validasi silang)**", bold
    assert any("ukuran yang paling dekat dengan hitungan di dasbor" in c.value for c in at.caption)


def test_the_overview_names_the_rough_categories_it_shows(measured):
    with duckdb.connect(str(measured), read_only=True) as con:
        present = {r[0] for r in con.execute("SELECT DISTINCT category FROM effective_labels").fetchall()}
    rough = sorted({c for c in REAL["per_category"] if c != "app_error"} & present)
    assert rough, "the fixture must hold a rough category for the test to mean something"
    at = app("overview", period="all")
    (line,) = [c.value for c in at.caption if c.value.startswith("Perkiraan kasar")]
    assert line.split(": ", 1)[1].split(". ")[0] == ", ".join(common.category_label(c) for c in rough)


def test_the_page_counts_too_few_examples_as_the_trainer_does():
    assert pipeline.FEW_REAL == MIN_REAL_POSITIVES


def test_a_figure_added_to_a_models_file_reaches_a_store_that_registered_it_before(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(resolve_model_dir(None, None), model)
    meta = json.loads((model / META_FILE).read_text(encoding="utf-8"))
    figures = meta["metrics"].pop("validation_real")  # the file as it was before the figure existed
    (model / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with Store(tmp_path / "suara.duckdb") as store:
        version = ensure_registered(store, model)
        before = store.current_model()
        assert "validation_real" not in before["metrics"]
        meta["metrics"]["validation_real"] = figures
        (model / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        assert ensure_registered(store, model) == version
        after = store.current_model()
    assert after["metrics"]["validation_real"] == figures and after["version"] == version
    # the same registration, its figures brought up to date
    assert after["created_at"] == before["created_at"]
