"""App Store: Apple's customer-reviews feed replayed through the real collect path into DuckDB."""

from __future__ import annotations

import copy
import functools
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx

from ingest import appstore
from ingest.collect import collect
from suara.config import MPASPOR, Settings
from tests.ingest_replay import Replay, fixture, no_wait, query, run_source

PAGE1, PAGE2, PAGE3 = (fixture(f"appstore_page{n}.json") for n in ("1", "2_single", "3_empty"))
SETTINGS = Settings()


run_appstore = functools.partial(run_source, source="appstore")


def feed_page(number: int, entries: list | dict | None) -> str:
    data = json.loads(PAGE1)
    data["feed"]["id"]["label"] = data["feed"]["id"]["label"].replace("page=1", f"page={number}")
    if entries is None:
        data["feed"].pop("entry")
    else:
        data["feed"]["entry"] = entries
    return json.dumps(data, ensure_ascii=False)


def entry(review_id: str, updated: datetime, text: str = "aplikasi error") -> dict:
    e = copy.deepcopy(json.loads(PAGE1)["feed"]["entry"][0])
    e["id"]["label"] = review_id
    e["updated"]["label"] = updated.isoformat()
    e["content"]["label"] = text
    return e


def ten_pages(start: datetime) -> list[str]:
    """Ten full feed pages, 50 entries each, 20 minutes apart, newest first."""
    return [
        feed_page(
            n,
            [
                entry(f"2{n:02d}{i:03d}", start - timedelta(minutes=20 * (50 * (n - 1) + i)))
                for i in range(50)
            ],
        )
        for n in range(1, 11)
    ]


# -- the wire format ----------------------------------------------------------------------------------
def test_entry_list_single_object_and_absent_are_all_read():
    assert len(appstore.parse_page(PAGE1).records) == 3
    single = appstore.parse_page(PAGE2, number=2).records
    assert [r["native_id"] for r in single] == ["11203456604"]
    assert appstore.parse_page(PAGE3, number=3).fetched == 0


def test_parse_entry_fields_in_utc_without_the_author_in_raw():
    rec = appstore.parse_page(PAGE1).records[0]
    assert rec["created_at"].isoformat() == "2026-03-10T08:12:33"  # -07:00 -> UTC
    assert (rec["title"], rec["rating"], rec["app_version"], rec["likes"], rec["country"]) == (
        "Tidak bisa login",
        1,
        "5.2.1",
        3,
        "id",
    )
    assert rec["author"] == "pengguna_ios1"
    assert "pengguna_ios1" not in rec["raw"] and "author" not in json.loads(rec["raw"])


def test_an_old_feed_app_metadata_entry_is_not_a_review():
    data = json.loads(PAGE1)
    data["feed"]["entry"].insert(
        0, {"im:name": {"label": "M-Paspor"}, "id": {"label": "https://apps.apple.com/x"}}
    )
    page = appstore.parse_page(data)
    assert page.fetched == 3 and page.skipped == []


# -- pagination and the incremental rule ----------------------------------------------------------------
def test_pagination_to_the_end_through_all_three_entry_shapes(store):
    result, replay = run_appstore(store, [PAGE1, PAGE2, PAGE3])
    assert result.status == "success", result.summary()
    assert (result.fetched, result.new, result.skipped) == (4, 4, 0)
    urls = [str(r.url) for r in replay.requests]
    assert urls == [appstore.FEED_URL.format(country="id", page=n, app_id="1576336459") for n in (1, 2, 3)]
    assert query(
        store, "SELECT count(*), min(country), min(app_id) FROM feedback WHERE source = 'app_store'"
    ) == [(4, "id", "mpaspor")]
    assert store.get_state("app_store", "mpaspor", "watermark:id") == "2026-03-10T08:12:33"


def test_a_second_run_stops_at_the_stored_reviews(store):
    run_appstore(store, [PAGE1, PAGE2, PAGE3])
    result, replay = run_appstore(store, [PAGE1])
    assert result.status == "success" and len(replay.requests) == 1 and result.new == 0
    assert "id: reached stored items on page 1" in result.summary()


def test_the_feed_says_where_it_ends():
    data = json.loads(PAGE1)
    for link in data["feed"]["link"]:
        if link["attributes"]["rel"] == "last":
            link["attributes"]["href"] = link["attributes"]["href"].replace("page=10", "page=1")
    assert appstore.last_page(data) == 1
    assert appstore.last_page(json.loads(PAGE1)) == 10


def test_ten_full_pages_before_the_watermark_record_a_gap(store):
    run_appstore(store, [PAGE1, PAGE2, PAGE3])  # watermark 2026-03-10T08:12:33
    result, replay = run_appstore(store, ten_pages(datetime(2026, 3, 20, tzinfo=UTC)))  # oldest: 13 March
    assert result.status == "success" and len(replay.requests) == 10 and result.new == 500
    assert "GAP" in result.summary()
    gap = json.loads(store.get_state("app_store", "mpaspor", "gap:id"))
    assert gap["after"] == "2026-03-10T08:12:33" and gap["before"] == "2026-03-13T01:40:00"
    assert "GAP" in query(store, "SELECT message FROM runs ORDER BY run_id DESC LIMIT 1")[0][0]
    assert store.get_state("app_store", "mpaspor", "watermark:id") == "2026-03-20T00:00:00"


def test_ten_pages_that_reach_back_past_the_watermark_are_no_gap(store):
    run_appstore(store, [PAGE1, PAGE2, PAGE3])
    result, _ = run_appstore(store, ten_pages(datetime(2026, 3, 12, tzinfo=UTC)))  # oldest: 5 March
    assert result.status == "success" and "GAP" not in result.summary()
    assert store.get_state("app_store", "mpaspor", "gap:id") is None


def test_a_first_run_through_ten_pages_is_no_gap(store):
    result, _ = run_appstore(store, ten_pages(datetime(2026, 3, 12, tzinfo=UTC)))
    assert result.status == "success" and result.new == 500 and "GAP" not in result.summary()


def test_each_country_is_its_own_stream_with_its_own_watermark(store):
    app = MPASPOR.__class__(**{**MPASPOR.__dict__, "appstore_countries": ("id", "sg")})
    sg = PAGE2.replace("11203456604", "11203459999")
    result, replay = run_appstore(store, [PAGE1, PAGE3, sg, PAGE3], app=app)
    assert result.status == "success" and result.new == 4
    assert [r.url.path.split("/")[1] for r in replay.requests] == ["id", "id", "sg", "sg"]
    assert query(store, "SELECT country, count(*) FROM feedback GROUP BY 1 ORDER BY 1") == [
        ("id", 3),
        ("sg", 1),
    ]
    assert store.get_state("app_store", "mpaspor", "watermark:sg") == "2026-03-08T18:30:00"


# -- failures ---------------------------------------------------------------------------------------------
def test_429_with_a_retry_after_date_then_success(store):
    policy = no_wait()
    when = format_datetime(datetime.fromtimestamp(policy.clock() + 42, tz=UTC), usegmt=True)
    result, _ = run_appstore(
        store, [httpx.Response(429, headers={"retry-after": when}), PAGE1, PAGE2, PAGE3], policy=policy
    )
    assert result.status == "success" and result.new == 4 and result.errors == 1
    assert policy.sleep == [42.0]


def test_500_until_retries_run_out_keeps_the_pages_before(store):
    result, _ = run_appstore(store, [PAGE1] + [httpx.Response(503)] * 3)
    assert result.status == "failed" and "page 2" in result.message and "HTTP 503" in result.message
    assert query(store, "SELECT count(*) FROM feedback") == [(3,)]
    assert query(store, "SELECT status, new, errors FROM runs") == [("failed", 3, 3)]


def test_a_connect_timeout_is_retried(store):
    result, _ = run_appstore(store, [httpx.ConnectTimeout("slow"), PAGE1, PAGE2, PAGE3])
    assert result.status == "success" and result.errors == 1


def test_a_truncated_body_is_retried_then_fails_the_source(store):
    result, _ = run_appstore(store, [PAGE1, PAGE2[:200], PAGE2, PAGE3])
    assert result.status == "success" and result.new == 4 and result.errors == 1
    store.con.execute("DELETE FROM feedback")
    result, _ = run_appstore(store, [PAGE1] + [PAGE2[:200]] * 3)
    assert result.status == "failed" and "page 2 is not whole JSON" in result.message
    assert query(store, "SELECT count(*) FROM feedback") == [(3,)]


def test_a_review_with_a_missing_field_is_skipped_with_its_reason(store):
    data = json.loads(PAGE1)
    del data["feed"]["entry"][1]["content"]
    result, _ = run_appstore(store, [json.dumps(data), PAGE3])
    assert result.status == "success" and (result.new, result.skipped) == (2, 1)
    assert result.skip_reasons == {"missing field 'content'": 1}


def test_an_unreadable_rating_is_skipped_not_stored_wrong(store):
    data = json.loads(PAGE1)
    data["feed"]["entry"][0]["im:rating"]["label"] = "lima"
    result, _ = run_appstore(store, [json.dumps(data), PAGE3])
    assert result.skipped == 1 and "rating" in next(iter(result.skip_reasons))


def test_an_app_without_an_app_store_id_is_skipped_not_failed(store):
    app = MPASPOR.__class__(**{**MPASPOR.__dict__, "appstore_id": None})
    result = collect(store, SETTINGS, app, "appstore", client=Replay([]).client())
    assert result.status == "skipped" and "appstore_id" in result.message
    assert query(store, "SELECT count(*) FROM runs") == [(0,)]


# -- an empty first page (issue 16.3) ------------------------------------------------------------------
def test_an_empty_first_page_after_reviews_were_read_is_a_warning_not_a_silent_zero(store):
    from ingest.health import source_warnings

    run_appstore(store, [PAGE1, PAGE2, PAGE3])  # a completed run read reviews
    result, replay = run_appstore(store, [feed_page(1, None)])
    assert result.status == "success" and len(replay.requests) == 1 and result.fetched == 0
    assert (
        "id: WARNING: the first page was empty, though a completed run read items up to" in result.summary()
    )
    assert "WARNING" in query(store, "SELECT message FROM runs ORDER BY run_id DESC LIMIT 1")[0][0]
    (line,) = source_warnings(store.con)
    assert line.startswith("app_store/mpaspor (id): WARNING: the first page was empty")
    run_appstore(store, [PAGE1])  # the feed answers again: the warning is cleared
    assert source_warnings(store.con) == []


def test_an_empty_first_page_of_a_first_run_is_no_warning(store):
    result, _ = run_appstore(store, [feed_page(1, None)])
    assert result.status == "success" and "WARNING" not in result.summary()
    assert store.get_state("app_store", "mpaspor", "warning:id") is None


def test_a_gap_is_listed_with_the_warnings(store):
    from ingest.health import source_warnings

    run_appstore(store, [PAGE1, PAGE2, PAGE3])
    run_appstore(store, ten_pages(datetime(2026, 3, 20, tzinfo=UTC)))
    assert source_warnings(store.con) == [
        f"app_store/mpaspor (id): GAP: items between 2026-03-10T08:12:33 and 2026-03-13T01:40:00 may be "
        f"missing (found {json.loads(store.get_state('app_store', 'mpaspor', 'gap:id'))['found'][:16]} UTC)"
    ]
