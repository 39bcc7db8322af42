"""The shipped model keeps its lift over the keyword baseline (quality regression guard).

Figures are not timed and not tied to one model version: retraining must keep the lift, whatever
the exact scores. The real reviews in ../shared/real are used only when present (a fresh clone has
no shared/).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.evaluate import KeywordMatcher
from nlp.model import load
from suara.classify import REAL_DEV_FILE, TEST_FILE, evaluate_file
from suara.model_files import resolve_model_dir
from suara.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def shipped_model():
    return load(resolve_model_dir(None))


def headline_f1(path: Path, predict) -> float:
    return evaluate_file(path, predict)["macro_f1_headline"]


def baseline(texts, ratings=None):
    return KeywordMatcher.from_taxonomy(load_taxonomy()).predict(texts)


def test_test_set_quality_and_lift(shipped_model):
    model_f1 = headline_f1(TEST_FILE, shipped_model.predict)
    assert model_f1 >= 0.85
    assert model_f1 >= headline_f1(TEST_FILE, baseline) + 0.10


@pytest.mark.skipif(not REAL_DEV_FILE.exists(), reason="../shared/real is not beside this checkout")
def test_real_reviews_quality_and_lift(shipped_model):
    model_f1 = headline_f1(REAL_DEV_FILE, shipped_model.predict)
    assert model_f1 >= 0.85  # the target for real reviews
    assert model_f1 >= headline_f1(REAL_DEV_FILE, baseline) + 0.10
