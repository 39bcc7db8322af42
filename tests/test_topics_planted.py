"""A new complaint planted in a copy of the demo corpus is found, and flagged the week it crosses the
threshold: the measurement issue 21 asks for, as a test.

The corpus is generated here (``suara.demo.generate``, a copy in a temporary store: the demo files are
not touched) over thirteen weeks and classified by the shipped model. Into its last four weeks goes an
invented theme the taxonomy has no category for — the hologram sticker of a new passport peeling off —
growing 2, 4, 9, 20 texts a week. The nightly topics step runs as of the end of each of those weeks.
The week it must first alert is computed from the planted texts alone with the alerts' own test
(``suara.topics.trend``), so the check is that discovery finds the theme and the topic's series
crosses where the theme's does: no earlier alert, one in that week, none repeated after.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from suara import demo, topic_records
from suara.classify import classify_pending
from suara.model_files import NoModel, load_model, resolve_model_dir
from suara.store import Store
from suara.topics import trend

START, END = date(2026, 1, 5), date(2026, 4, 6)  # thirteen weeks
WEEKS = [2, 4, 9, 20]  # the planted theme's texts in each of the last four weeks
OPENERS = ["tolong", "kecewa", "parah", "min", "halo", "gimana ini", "aduh", "bapak ibu", "mohon dicek"]
HOLOGRAM = [
    "stiker hologram di halaman data paspor mengelupas",
    "hologram paspor baru luntur padahal baru seminggu",
    "lapisan hologram paspor terkelupas di pojok",
    "stiker hologram paspor saya menggelembung dan lepas",
    "hologram halaman biodata paspor mengelupas sendiri",
]
TAILS = ["", "baru diambil", "harus ganti?", "gimana solusinya", "kualitas buruk", "takut ditolak di bandara"]


def planted() -> list[tuple[str, datetime]]:
    end = datetime(END.year, END.month, END.day, 23)
    out = []
    for w, n in enumerate(WEEKS):
        week_start = end - timedelta(days=7 * (len(WEEKS) - w))
        for i in range(n):
            k = len(out)
            text = f"{OPENERS[k % len(OPENERS)]} {HOLOGRAM[k % len(HOLOGRAM)]} {TAILS[(k // 5) % len(TAILS)]}"
            out.append((f"{text.strip()} #{k}", week_start + timedelta(hours=2 + 7 * i)))
    return out


@pytest.fixture(scope="module")
def planted_db(tmp_path_factory):
    try:
        model = load_model(resolve_model_dir(None, None))
    except NoModel:
        pytest.skip("no shipped model in data/models")
    db = tmp_path_factory.mktemp("planted") / "suara.duckdb"
    recs = list(demo.generate(3000, seed=11, start=START, end=END))
    for k, (text, when) in enumerate(planted()):
        recs.append(
            {**recs[k], "native_id": f"planted-{k}", "text": text, "title": None, "rating": 1,
             "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
        )  # fmt: skip
    with Store(db) as store:
        store.upsert_feedback(recs)
        classify_pending(store, model)
    return db


def test_the_planted_theme_is_found_and_flagged_the_week_it_crosses(planted_db):
    times = [when for _, when in planted()]
    end = datetime(END.year, END.month, END.day, 23, 59)
    expected_weeks = []
    for w in range(len(WEEKS)):
        as_of = end - timedelta(days=7 * (len(WEEKS) - 1 - w))
        since, until = as_of - timedelta(days=63), as_of
        growing = trend([t for t in times if since <= t < until], since, until, min_count=5)[5]
        expected_weeks.append(growing)
    first = expected_weeks.index(True)
    assert first > 0, "the plant must start below the threshold for the test to mean something"

    alerted = []
    for w in range(len(WEEKS)):
        as_of = end - timedelta(days=7 * (len(WEEKS) - 1 - w))
        new: list = []
        topic_records.nightly_step(lambda: Store(planted_db), 5, as_of, new)
        alerted.append([a.message for a in new if a.kind == topic_records.ALERT_KIND])
    hologram = [[m for m in week if "hologram" in m] for week in alerted]
    assert [bool(h) for h in hologram[:first]] == [False] * first, alerted  # no alert before the crossing
    assert len(hologram[first]) == 1, alerted  # one alert the week it crosses
    assert all(not h for h in hologram[first + 1 :]), alerted  # the same episode after: not again
    with Store(planted_db) as store:
        members = store.con.execute(
            "SELECT t.topic_id, t.growing, count(*) FILTER (WHERE f.native_id LIKE 'planted-%'), count(*) "
            "FROM topics t JOIN topic_members m USING (topic_id) JOIN feedback f ON f.id = m.feedback_id "
            "WHERE list_contains(t.terms, 'hologram') AND t.period_end > ? GROUP BY 1, 2",
            [end - timedelta(days=1)],
        ).fetchall()
        # planted texts the model named with confidence (a wrong app_error, mostly) are no candidates
        unnamed = store.con.execute(
            "SELECT count(*) FROM feedback f JOIN classifications c ON c.feedback_id = f.id "
            "WHERE f.native_id LIKE 'planted-%' AND (c.confidence < 0.05 "
            "OR f.id NOT IN (SELECT feedback_id FROM effective_labels))"
        ).fetchall()[0][0]
    assert unnamed >= 0.6 * sum(WEEKS)
    assert len(members) == 1 and members[0][1], members
    _, _, mine, total = members[0]
    assert mine >= 0.9 * unnamed and mine >= 0.8 * total, (members, unnamed)  # the topic is the theme
