"""Alerts on generated series in a real DuckDB file: injected spikes are found, flat series raise nothing."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import httpx
import numpy as np
import pyarrow as pa
import pytest

from suara import alerts
from suara.model_labels import save_model_labels
from suara.store import Store
from suara.taxonomy import load_taxonomy
from tests.conftest import seqs

AS_OF = datetime(2026, 3, 20, 19, 0)
HEADLINE = load_taxonomy().headline_ids
MODEL = "test-model"


def add_items(store: Store, items: list[tuple], model_version: str = MODEL) -> None:
    """items: (native_id, app_id, created_at, app_version, categories); stored and labelled as a model would."""
    store.upsert_feedback(
        [
            {
                "source": "play_store",
                "native_id": nid,
                "app_id": app,
                "text": f"keluhan {nid}",
                "created_at": created,
                "app_version": version,
            }
            for nid, app, created, version, _ in items
        ]
    )
    hashes = dict(store.con.execute("SELECT id, content_hash FROM feedback").fetchall())
    ids = [f"play_store:{nid}" for nid, *_ in items]
    pairs = [(f"play_store:{nid}", c) for nid, _, _, _, cats in items for c in cats]
    classified = pa.table(
        {
            "feedback_id": ids,
            "feedback_seq": seqs(store, ids),
            "model_version": [model_version] * len(ids),
            "content_hash": [hashes[i] for i in ids],
            "confidence": [0.5] * len(ids),
        }
    )
    labels = pa.table(
        {
            "feedback_id": pa.array([p[0] for p in pairs], pa.string()),
            "category": pa.array([p[1] for p in pairs], pa.string()),
            "score": pa.array([0.9] * len(pairs), pa.float64()),
            "model_version": pa.array([model_version] * len(pairs), pa.string()),
        }
    )
    save_model_labels(store, classified, labels)


def seed_series(
    store: Store, series: dict[tuple[str, str], list[int]], as_of: datetime = AS_OF, prefix: str = "s"
) -> int:
    """series: (app, category) -> complaints per day, index 0 being the 24 h before ``as_of``."""
    items = []
    for (app, cat), counts in series.items():
        for day, n in enumerate(counts):
            for k in range(int(n)):
                created = as_of - timedelta(days=day, seconds=1 + (k * 7919) % 86000)
                items.append((f"{prefix}-{app}-{cat}-{day}-{k}", app, created, None, [cat]))
    if items:
        add_items(store, items)
    return len(items)


def flat(rng: np.random.Generator, mean: float, days: int = 63) -> list[int]:
    return list(rng.poisson(mean, days))


def found(alert_list) -> set[tuple]:
    return {(a.kind, a.app_id, a.category) for a in alert_list}


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "alerts.duckdb") as s:
        yield s


def test_flat_series_raise_nothing(store):
    rng = np.random.default_rng(11)
    series = {
        (app, cat): flat(rng, mean)
        for app in ("mpaspor", "other")
        for cat, mean in zip(HEADLINE, (1, 3, 5, 8, 15, 30), strict=True)
    }
    assert seed_series(store, series) > 5000
    assert alerts.detect_and_record(store, AS_OF, min_count=5) == []
    assert store.con.execute("SELECT count(*) FROM alerts").fetchone()[0] == 0


def test_injected_spikes_are_found_and_only_they(store):
    rng = np.random.default_rng(5)
    otp, payment, quota = "otp_not_received", "payment_stuck", "quota_full"
    series = {(app, cat): flat(rng, 5) for app in ("mpaspor", "other") for cat in HEADLINE}
    series[("mpaspor", otp)][0] = 40  # a one-day surge (enough to lift its week too)
    series[("other", payment)][:7] = [11, 10, 12, 10, 11, 10, 11]  # a week about twice the usual
    series[("other", quota)][0] = 3  # unusual, but below the minimum count: 1 -> 3 is not an alert
    series[("other", quota)][1:] = [0] * 62
    seed_series(store, series)
    new = alerts.detect_and_record(store, AS_OF, min_count=5)
    assert found(new) == {
        ("spike_day", "mpaspor", otp),
        ("spike_week", "mpaspor", otp),
        ("spike_week", "other", payment),
    }
    day = next(a for a in new if a.kind == "spike_day")
    assert day.observed == 40 and 3 < day.expected < 7 and day.expected < day.threshold < 40
    assert "40" in day.message and "OTP" in day.message
    stored = store.con.execute("SELECT alert_id, kind, notified_at FROM alerts ORDER BY alert_id").fetchall()
    assert {r[0] for r in stored} == {a.alert_id for a in new} and all(r[2] is None for r in stored)


def test_minimum_count_from_an_empty_baseline(store):
    seed_series(store, {("mpaspor", "praise"): [0] * 62 + [1]})  # the app has 9 weeks of history
    seed_series(store, {("mpaspor", "nik_not_detected"): [4]})
    assert alerts.detect_and_record(store, AS_OF, min_count=5) == []
    seed_series(store, {("mpaspor", "nik_not_detected"): [2]}, prefix="more")  # 6 now
    assert found(alerts.detect_and_record(store, AS_OF, min_count=5)) == {
        ("spike_day", "mpaspor", "nik_not_detected"),
        ("spike_week", "mpaspor", "nik_not_detected"),
    }


def test_no_spike_alerts_without_history_then_a_shorter_baseline(store):
    seed_series(store, {("mpaspor", "app_error"): [40] + [3] * 9})  # a young database: 10 days
    assert alerts.detect_and_record(store, AS_OF, min_count=5) == []
    seed_series(store, {("mpaspor", "app_error"): [0] * 10 + [3] * 20}, prefix="older")  # now 30 days
    new = alerts.detect_and_record(store, AS_OF, min_count=5)
    assert found(new) == {("spike_day", "mpaspor", "app_error"), ("spike_week", "mpaspor", "app_error")}
    assert "from the previous 28 days" in new[0].message  # whole days only and 2.5 < new[0].expected < 3.5


def test_the_same_spike_is_stored_once_across_nights(store):
    rng = np.random.default_rng(3)
    series = {("mpaspor", "app_error"): flat(rng, 6, days=70)}
    series[("mpaspor", "app_error")][1] = 40  # the day before AS_OF; index 0 is the night after
    seed_series(store, series, as_of=AS_OF + timedelta(days=1))
    first = alerts.detect_and_record(store, AS_OF, min_count=5)
    assert found(first) == {("spike_day", "mpaspor", "app_error"), ("spike_week", "mpaspor", "app_error")}
    assert alerts.detect_and_record(store, AS_OF, min_count=5) == []  # the same night again
    assert (
        alerts.detect_and_record(store, AS_OF + timedelta(days=1, minutes=20), min_count=5) == []
    )  # next night
    rows = store.con.execute("SELECT kind, period_end FROM alerts ORDER BY kind").fetchall()
    assert [k for k, _ in rows] == ["spike_day", "spike_week"]
    assert dict(rows)["spike_week"] == AS_OF + timedelta(days=1, minutes=20)  # the episode was extended


def test_version_jump(store):
    rng = np.random.default_rng(1)
    items = []
    for version, n, share in (("7.3.9", 400, 0.05), ("7.3.10", 200, 0.30), ("7.2.0", 300, 0.05)):
        hits = rng.random(n) < share
        for i in range(n):
            created = AS_OF - timedelta(hours=1 + i % 300)
            items.append(
                (f"{version}-{i}", "mpaspor", created, version, ["otp_not_received"] if hits[i] else [])
            )
    add_items(store, items)
    new = alerts.detect_and_record(store, AS_OF, min_count=5)
    jumps = [a for a in new if a.kind == "version_jump"]
    assert found(jumps) == {("version_jump", "mpaspor", "otp_not_received")}
    jump = jumps[0]
    assert jump.app_version == "7.3.10" and jump.observed > jump.threshold > jump.expected
    assert "7.3.10" in jump.message and "7.3.9" in jump.message  # natural order: 7.3.10 follows 7.3.9
    assert [
        a for a in alerts.detect_and_record(store, AS_OF + timedelta(days=1), 5) if a.kind == "version_jump"
    ] == []


def test_no_version_jump_for_equal_shares_or_few_items(store):
    rng = np.random.default_rng(2)
    items = []
    for version, n, share in (("2.0", 500, 0.10), ("2.1", 500, 0.10), ("2.2", 12, 0.30)):
        hits = rng.random(n) < share
        items += [
            (
                f"{version}-{i}",
                "mpaspor",
                AS_OF - timedelta(hours=1 + i),
                version,
                ["app_error"] if hits[i] else [],
            )
            for i in range(n)
        ]
    add_items(store, items)
    # 2.2 is newest but has too few complaints to say anything; against 2.1 nothing else moved
    assert [a for a in alerts.detect_and_record(store, AS_OF, 5) if a.kind == "version_jump"] == []


def test_statistics_behave():
    t = [alerts.spike_threshold(b, 56, 1) for b in (0, 56, 280, 2800)]
    assert t == sorted(t) and t[1] >= 4  # baseline 1/day: 4 would not be surprising
    assert alerts.spike_threshold(280, 56, 1, phi=3.0) > alerts.spike_threshold(280, 56, 1)
    assert alerts.dispersion(np.array([5.0] * 56)) == 1.0
    assert alerts.dispersion(np.array([0.0, 20.0] * 28)) > 5
    share = alerts.share_threshold(200, 20, 400)
    assert (
        alerts.share_z(round(share * 200), 200, 20, 400)
        > 3.09
        > alerts.share_z(round(share * 200) - 1, 200, 20, 400)
    )
    assert alerts.version_key("7.3.10") > alerts.version_key("7.3.9")


def test_webhook_posts_text_and_never_raises(caplog):
    seen = []

    def ok(request):
        seen.append(json.loads(request.content))
        return httpx.Response(200)

    url = "https://hooks.example.com/services/T000/B000/secret-token-value"
    assert alerts.send_webhook(url, ["a", "b"], httpx.Client(transport=httpx.MockTransport(ok)))
    assert seen == [{"text": "Suara: 2 new alerts\n• a\n• b"}]
    with caplog.at_level(logging.WARNING):
        assert not alerts.send_webhook(
            url, ["a"], httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
        )

        def refuse(request):
            raise httpx.ConnectError("connection refused")

        assert not alerts.send_webhook(url, ["a"], httpx.Client(transport=httpx.MockTransport(refuse)))
    assert "HTTP 500" in caplog.text and "hooks.example.com" in caplog.text
    assert "secret-token-value" not in caplog.text and "/services/" not in caplog.text


def test_unsent_alerts_are_retried_until_marked(store):
    seed_series(store, {("mpaspor", "quota_full"): [12]})
    new = alerts.detect_and_record(store, AS_OF, min_count=5)
    pending = alerts.unsent(store)
    assert {a for a, _ in pending} == {a.alert_id for a in new}
    alerts.mark_notified(store, [a for a, _ in pending])
    assert alerts.unsent(store) == []


# -- `suara alerts --since`: the same rule over history, through the real CLI -------------------
def run_cli(*args: str):
    from typer.testing import CliRunner

    from suara.cli import app

    return CliRunner().invoke(app, ["alerts", *args], env={"SUARA_CONFIG": "", "SUARA_DB": ""})


def stored_alerts(db) -> list[tuple]:
    with Store(db) as s:
        return s.con.execute(
            "SELECT alert_id, kind, category, period_start, period_end, observed, created_at FROM alerts "
            "ORDER BY alert_id"
        ).fetchall()


def test_history_finds_each_past_surge_once_and_a_second_run_adds_nothing(tmp_path):
    db = tmp_path / "history.duckdb"
    rng = np.random.default_rng(5)
    days = 300  # index 0: the 24 h before AS_OF
    series = {("mpaspor", "app_error"): flat(rng, 4, days), ("mpaspor", "quota_full"): flat(rng, 2, days)}
    for d in range(200, 205):  # a surge ~200 days back, one ~100 days back; a quiet stretch after
        series[("mpaspor", "app_error")][d] = 30
    for d in range(100, 104):  # the same category again, smaller: a second episode, not the first extended
        series[("mpaspor", "app_error")][d] = 20
    with Store(db) as s:
        seed_series(s, series)
        assert alerts.detect_and_record(s, AS_OF, min_count=5) == []  # "now" is quiet: nightly finds nothing
    since = (AS_OF - timedelta(days=days)).date().isoformat()
    until = AS_OF.date().isoformat()

    first = run_cli("--since", since, "--until", until, "--db", str(db))
    assert first.exit_code == 0, first.output
    rows = stored_alerts(db)
    surge_1, surge_2 = AS_OF - timedelta(days=205), AS_OF - timedelta(days=104)
    by_kind = {(k, c): [r for r in rows if (r[1], r[2]) == (k, c)] for _, k, c, *_ in rows}
    assert set(by_kind) <= {(k, c) for k in ("spike_day", "spike_week") for c in ("app_error", "quota_full")}
    old, new = sorted(by_kind[("spike_week", "app_error")], key=lambda r: r[3])  # two episodes, in order
    assert old[3] <= surge_1 + timedelta(days=5) and old[4] >= surge_1
    assert new[3] <= surge_2 + timedelta(days=4) and new[4] >= surge_2 and new[5] < old[5]
    assert all(r[3] < r[6] <= r[4] for r in rows)  # stored as of the week it was found
    assert f"{len(rows)} new alert(s) over" in first.output
    with Store(db) as s:
        assert alerts.unsent(s) == []  # history is not news: the webhook sends none of it

    again = run_cli("--since", since, "--until", until, "--db", str(db))
    assert again.exit_code == 0, again.output
    assert "0 new alert(s)" in again.output
    assert stored_alerts(db) == rows  # not one alert added, extended or changed


def test_history_is_the_nightly_rule_evaluated_week_by_week(tmp_path):
    db = tmp_path / "same.duckdb"
    rng = np.random.default_rng(8)
    series = {("mpaspor", "payment_stuck"): flat(rng, 3, 120)}
    series[("mpaspor", "payment_stuck")][0:3] = [25, 25, 25]  # the surge is in the last week
    with Store(db) as s:
        seed_series(s, series)
        nightly = found(alerts.evaluate(s, AS_OF, 5, load_taxonomy(), {}))
    assert ("spike_week", "mpaspor", "payment_stuck") in nightly
    since = (AS_OF - timedelta(days=70)).strftime("%Y-%m-%d")
    result = run_cli(
        "--since", since, "--db", str(db), "--until", (AS_OF + timedelta(days=1)).date().isoformat()
    )
    assert result.exit_code == 0, result.output
    assert {(r[1], r[2]) for r in stored_alerts(db)} == {(k, c) for k, _, c in nightly}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--since", "2023-13-01"], "--since '2023-13-01' is not a date: write it as YYYY-MM-DD"),
        (["--since", "yesterday"], "--since 'yesterday' is not a date"),
        (["--until", "2024-01-01"], "--until needs --since"),
        (["--since", "2999-01-01"], "--since 2999-01-01 is not in the past"),
        (["--since", "2024-02-01", "--until", "2024-01-01"], "is not after --since 2024-02-01"),
    ],
)
def test_bad_dates_are_one_line_and_store_nothing(tmp_path, args, says):
    db = tmp_path / "bad.duckdb"
    with Store(db) as s:
        seed_series(s, {("mpaspor", "app_error"): [40] + [2] * 60})
    result = run_cli(*args, "--db", str(db))
    assert result.exit_code == 1
    assert says in result.output and "Traceback" not in result.output
    assert stored_alerts(db) == []
