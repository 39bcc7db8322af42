"""The demo's other apps (suara/demo_apps.py): three apps in the committed corpus, M-Paspor's part
unchanged, each app's records schema-valid and telling its own stories (data/demo/README.md)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from suara import demo, demo_apps
from suara.records import FIELDS, normalize
from suara.taxonomy import load_taxonomy

N, SEED = 6000, 42
TEAMS = {"mpaspor": "Tim M-Paspor", "mobilejkn": "Tim Mobile JKN", "signal": "Tim SIGNAL"}


@pytest.fixture(scope="module")
def rows() -> list[tuple[dict, tuple[str, ...]]]:
    return list(demo_apps.corpus_with_truth(N, SEED))


def by_app(rows, app):
    return [(r, c) for r, c in rows if r["app_id"] == app]


def test_the_demo_has_three_apps_and_mpaspor_is_unchanged(rows):
    counts = Counter(r["app_id"] for r, _ in rows)
    assert counts == {"mpaspor": N, "mobilejkn": 1500, "signal": 1200}
    assert [r for r, _ in rows if r["app_id"] == "mpaspor"] == list(demo.generate(N, SEED))
    stamps = [r["created_at"] for r, _ in rows]
    assert stamps == sorted(stamps)
    keys = [(r["source"], r["native_id"]) for r, _ in rows]
    assert len(set(keys)) == len(keys)
    committed = Counter(
        re.search(r'"app_id":"(\w+)"', line).group(1) for line in demo.DEFAULT_OUT.open(encoding="utf-8")
    )
    assert committed == counts


def test_other_apps_records_match_the_schema(rows):
    for rec, _ in rows:
        if rec["app_id"] == "mpaspor":
            continue
        assert set(rec) == set(FIELDS) - {"raw"}
        normalize(rec)
        assert rec["text"].strip() and rec["author"]
        assert (rec["title"] is not None) == (rec["source"] == "app_store")
        if rec["source"] == "twitter":
            assert rec["rating"] is None and rec["reply_text"] is None
        else:
            assert rec["rating"] in (1, 2, 3, 4, 5)
        if rec["source"] == "play_store":
            assert rec["url"].startswith("https://play.google.com/") and rec["url"].endswith(rec["native_id"])
        assert (rec["reply_text"] is None) == (rec["replied_at"] is None)
        if rec["reply_text"]:
            assert TEAMS[rec["app_id"]] in rec["reply_text"] and rec["replied_at"] >= rec["created_at"]
            assert "M-Paspor" not in rec["reply_text"] and "imigrasi" not in rec["reply_text"].lower()


def test_other_apps_only_raise_categories_in_their_taxonomy_scope(rows):
    tax = load_taxonomy()
    for app in demo_apps.APPS:
        allowed = set(tax.ids_for((app.key,)))
        used = {c for _, cats in by_app(rows, app.key) for c in cats}
        assert used <= allowed and {"office_unavailable", "quota_full"} & used == set()
        assert {"app_error", "account_login", "otp_not_received", "payment_stuck", "praise"} <= used


def _answered(rows, app):
    store = [r for r, _ in by_app(rows, app) if r["source"] != "twitter"]
    return sum(bool(r["reply_text"]) for r in store) / len(store)


def test_apps_differ_in_ratings_and_replies(rows):
    def mean_rating(app):
        rated = [r["rating"] for r, _ in by_app(rows, app) if r["rating"]]
        return sum(rated) / len(rated)

    assert mean_rating("mobilejkn") > mean_rating("signal") > mean_rating("mpaspor") - 0.3
    assert (
        _answered(rows, "mobilejkn") > 0.2 > 0.1 > _answered(rows, "mpaspor") > _answered(rows, "signal") / 2
    )
    hours = sorted(
        (date.fromisoformat(r["replied_at"][:10]) - date.fromisoformat(r["created_at"][:10])).days
        for r, _ in by_app(rows, "mobilejkn")
        if r["replied_at"]
    )
    assert hours[len(hours) // 2] <= 1  # Mobile JKN answers within a day or so


def _share(pairs, cat):
    return sum(cat in c for _, c in pairs) / len(pairs)


def test_outage_weeks(rows):
    for app, first, last in (
        ("mobilejkn", "2024-07-15", "2024-07-21"),
        ("signal", "2025-01-02", "2025-01-08"),
    ):
        pairs = by_app(rows, app)
        week = [(r, c) for r, c in pairs if first <= r["created_at"][:10] <= last]
        rest = [(r, c) for r, c in pairs if not first <= r["created_at"][:10] <= last]
        assert len(week) > 15 and _share(week, "app_error") > 2 * _share(rest, "app_error")


def _on(app, pairs, first, stop):
    versions = [v for _, v in demo_apps.releases(demo_apps.BY_KEY[app])]
    lo, hi = versions.index(first), versions.index(stop) if stop else len(versions)
    inside = [(r, c) for r, c in pairs if r["app_version"] and lo <= versions.index(r["app_version"]) < hi]
    outside = [
        (r, c) for r, c in pairs if r["app_version"] and not lo <= versions.index(r["app_version"]) < hi
    ]
    return inside, outside


def test_regression_releases(rows):
    for app, first, stop, cat in (("mobilejkn", "4.17.0", "4.18.0", "otp_not_received"),
                                  ("signal", "2.14.0", "2.15.0", "payment_stuck")):  # fmt: skip
        inside, outside = _on(app, by_app(rows, app), first, stop)
        assert _share(inside, cat) > 2.5 * _share(outside, cat)


def test_good_releases(rows):
    for app, first, cat in (("mobilejkn", "5.3.0", "app_error"), ("signal", "3.0.0", "upload_form")):
        inside, outside = _on(app, by_app(rows, app), first, None)
        assert _share(inside, cat) < _share(outside, cat) / 2
        assert _share(inside, "praise") > _share(outside, "praise")


def test_same_seed_same_corpus():
    first = list(demo_apps.corpus(300, 5, date(2025, 1, 1), date(2025, 6, 30)))
    assert first == list(demo_apps.corpus(300, 5, date(2025, 1, 1), date(2025, 6, 30)))
    assert {r["app_id"] for r in first} == {"mpaspor", "mobilejkn", "signal"}


def test_the_demo_configuration_names_the_three_apps():
    from suara.config import MPASPOR, load_settings

    apps = load_settings(demo.PHRASES.parent / "suara.toml").apps
    assert [a.key for a in apps] == ["mpaspor", *(a.key for a in demo_apps.APPS)]
    assert apps[0] == MPASPOR
    assert [a.name for a in apps[1:]] == [a.name for a in demo_apps.APPS]
