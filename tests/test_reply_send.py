"""Posting replies through the real clients, replayed in the services' formats.

Google Play: google-api-python-client's own HttpMockSequence under the androidpublisher v3 service built
from the discovery document the library ships (no network). App Store Connect: an httpx MockTransport
that checks the JWT (ES256, signed by a key generated here) the way Apple documents it. Responses
follow the documented layouts: Play's ReviewsReplyResponse / Review and Google's JSON error body;
App Store Connect's JSON:API CustomerReviewResponseV1Response and its ``errors`` array.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx
import jwt
import pytest
from googleapiclient.http import HttpMockSequence

from reply import workflow
from reply.clients import AppStoreClient, CredentialsError, PlayClient
from reply.drafts import load_templates
from reply.send import send
from suara.store import Store
from suara.taxonomy import load_taxonomy

HEADLINE = load_taxonomy().headline_ids
REVIEW_ID = "gp:AOqpTOHtest0001"
TEXT = "Mohon maaf atas kendalanya; sudah kami perbaiki di versi 7.3.11."
OK = {"status": "200", "content-type": "application/json; charset=UTF-8"}


def google_error(code: int, status: str, message: str):
    body = {"error": {"code": code, "message": message, "errors": [{"message": message, "domain": "global",
            "reason": status.lower()}], "status": status}}  # fmt: skip
    return {"status": str(code), "content-type": "application/json; charset=UTF-8"}, json.dumps(body)


def reply_result(text: str, seconds: int = 1772355600):
    return OK, json.dumps(
        {"result": {"replyText": text, "lastEdited": {"seconds": str(seconds), "nanos": 0}}}
    )


def review_with_reply(text: str | None):
    comments = [{"userComment": {"text": "aplikasi error", "lastModified": {"seconds": "1772300000"}, "starRating": 1,
                                 "appVersionName": "7.3.10"}}]  # fmt: skip
    if text:
        comments.append(
            {"developerComment": {"text": text, "lastModified": {"seconds": "1772355600", "nanos": 0}}}
        )
    return OK, json.dumps({"reviewId": REVIEW_ID, "authorName": "A Google user", "comments": comments})


def approved_store(db_path, source="play_store", native=REVIEW_ID) -> Store:
    store = Store(db_path)
    store.upsert_feedback(
        [
            {
                "source": source,
                "native_id": native,
                "app_id": "mpaspor",
                "text": "aplikasi error terus",
                "rating": 1,
                "created_at": "2026-03-01T08:00:00Z",
            }
        ]  # fmt: skip
    )
    fid = f"{source}:{native}"
    workflow.draft(store, fid, "rina", load_templates(), HEADLINE, text=TEXT)
    workflow.approve(store, fid, "budi", load_templates())
    return store


def state(store: Store) -> tuple:
    return store.con.execute("SELECT state, error FROM replies").fetchall()[0]


def play(seq) -> tuple[PlayClient, HttpMockSequence]:
    http = HttpMockSequence(seq)
    return PlayClient.build("id.go.imigrasi.paspor_online", http=http, sleep=lambda s: None), http


def test_play_reply_posts_once_and_shows_the_published_reply(db_path):
    client, http = play([reply_result(TEXT)])
    with approved_store(db_path) as store:
        (o,) = send(store, lambda *_: client, "budi", yes=True)
        assert o.result == "sent" and state(store) == ("sent", None)
        reply_text, replied_at = store.con.execute("SELECT reply_text, replied_at FROM feedback").fetchall()[
            0
        ]
        assert reply_text == TEXT and replied_at == datetime(2026, 3, 1, 9, 0)
        assert send(store, lambda *_: client, "budi", yes=True) == []  # nothing left: never posted twice
    ((uri, method, body, _headers),) = http.request_sequence
    assert method == "POST" and uri.startswith(
        "https://androidpublisher.googleapis.com/androidpublisher/v3/applications/id.go.imigrasi.paspor_online/"
        "reviews/gp%3AAOqpTOHtest0001:reply"
    )
    assert json.loads(body) == {"replyText": TEXT}


def test_play_list_reads_reviews_with_the_official_layout():
    page = {"reviews": [json.loads(review_with_reply(None)[1])], "tokenPagination": {"nextPageToken": "t2"}}
    client, http = play([(OK, json.dumps(page))])
    got = client.list_reviews(max_results=50)
    assert got["reviews"][0]["reviewId"] == REVIEW_ID and got["tokenPagination"]["nextPageToken"] == "t2"
    assert "maxResults=50" in http.request_sequence[0][0]


@pytest.mark.parametrize(
    "response, expected",
    [
        (
            google_error(400, "INVALID_ARGUMENT", "Reply text is too long."),
            "HTTP 400 Reply text is too long.",
        ),
        (
            google_error(403, "PERMISSION_DENIED", "The caller does not have permission"),
            "HTTP 403 The caller",
        ),
    ],
)
def test_play_errors_are_recorded_as_failed_with_one_line(db_path, response, expected):
    client, http = play([response])
    with approved_store(db_path) as store:
        (o,) = send(store, lambda *_: client, "budi", yes=True)
        st, error = state(store)
    assert o.result == "failed" and st == "failed" and expected in error and "\n" not in error
    assert len(http.request_sequence) == 1  # 4xx other than 429: no retry


def test_play_429_then_success_retries_with_backoff(db_path):
    sleeps = []
    http = HttpMockSequence([google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"), reply_result(TEXT)])
    client = PlayClient.build("id.go.imigrasi.paspor_online", http=http, sleep=sleeps.append)
    with approved_store(db_path) as store:
        (o,) = send(store, lambda *_: client, "budi", yes=True)
        assert o.result == "sent" and state(store)[0] == "sent"
    assert sleeps == [1.0] and len(http.request_sequence) == 2


def test_a_crash_between_post_and_record_does_not_post_again(db_path):
    with approved_store(db_path) as store:
        (r,) = workflow.to_send(store)
        workflow.claim(store, r, "budi")  # the post went out, then the process died before recording it
        client, http = play([review_with_reply(TEXT)])
        (o,) = send(store, lambda *_: client, "budi", yes=True)
        assert o.result == "already-there" and state(store)[0] == "sent"
        assert store.con.execute("SELECT reply_text FROM feedback").fetchall()[0][0] == TEXT
    assert [m for _u, m, _b, _h in http.request_sequence] == ["GET"]


def test_a_crash_before_the_post_reached_the_store_posts_it(db_path):
    with approved_store(db_path) as store:
        workflow.claim(store, workflow.to_send(store)[0], "budi")
        client, http = play([review_with_reply(None), reply_result(TEXT)])
        (o,) = send(store, lambda *_: client, "budi", yes=True)
        assert o.result == "sent"
    assert [m for _u, m, _b, _h in http.request_sequence] == ["GET", "POST"]


def test_missing_credentials_say_what_to_set(monkeypatch):
    monkeypatch.delenv("SUARA_PLAY_SERVICE_ACCOUNT", raising=False)
    with pytest.raises(CredentialsError, match="SUARA_PLAY_SERVICE_ACCOUNT"):
        PlayClient.build("x", settings_extra={})
    with pytest.raises(CredentialsError, match="never the key itself"):
        AppStoreClient.from_settings({"reply": {"appstore": {"private_key": "-----BEGIN"}}})


# -- App Store Connect ----------------------------------------------------------------------------
def asc_transport(public_key, responses: list[httpx.Response], seen: list[httpx.Request]):
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"].removeprefix("Bearer ")
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, public_key, algorithms=["ES256"], audience="appstoreconnect-v1")
        assert header["kid"] == "TESTKEY123" and claims["iss"].startswith("57246542")
        assert claims["exp"] - claims["iat"] <= 20 * 60
        seen.append(request)
        return responses.pop(0)

    return httpx.MockTransport(handler)


def asc_created(text: str) -> httpx.Response:
    return httpx.Response(201, json={"data": {"type": "customerReviewResponses", "id": "resp-1", "attributes": {
        "responseBody": text, "lastModifiedDate": "2026-03-01T09:00:00-08:00", "state": "PENDING_PUBLISH"},
        "relationships": {"review": {"data": {"type": "customerReviews", "id": "rev-1"}}}},
        "links": {"self": "https://api.appstoreconnect.apple.com/v1/customerReviewResponses/resp-1"}})  # fmt: skip


def asc_error(status: int, code: str, title: str, detail: str, headers=None) -> httpx.Response:
    return httpx.Response(status, headers=headers, json={"errors": [{"id": "e1", "status": str(status),
                          "code": code, "title": title, "detail": detail}]})  # fmt: skip


def test_app_store_post_with_jwt_429_then_success(db_path, asc_key):
    seen: list[httpx.Request] = []
    sleeps: list[float] = []
    responses = [asc_error(429, "RATE_LIMIT_EXCEEDED", "The request rate limit has been reached.", "Retry later.",
                           {"X-Rate-Limit": "user-hour-lim:3500;user-hour-rem:0;", "Retry-After": "3"}),
                 asc_created(TEXT)]  # fmt: skip
    client = AppStoreClient.from_settings(
        {}, transport=asc_transport(asc_key, responses, seen), sleep=sleeps.append
    )
    with approved_store(db_path, "app_store", "rev-1") as store:
        (o,) = send(store, lambda *_: client, "budi", yes=True)
        assert o.result == "sent"
        assert store.con.execute("SELECT replied_at FROM feedback").fetchall()[0][0] == datetime(
            2026, 3, 1, 17
        )
    assert sleeps == [3.0] and len(seen) == 2
    body = json.loads(seen[1].content)
    assert seen[1].url.path == "/v1/customerReviewResponses"
    assert body["data"]["attributes"]["responseBody"] == TEXT
    assert body["data"]["relationships"]["review"]["data"] == {"type": "customerReviews", "id": "rev-1"}


def test_app_store_403_is_one_line_and_crash_recovery_reads_the_response(db_path, asc_key):
    seen: list[httpx.Request] = []
    forbidden = asc_error(403, "FORBIDDEN_ERROR", "This request is forbidden for security reasons",
                          "The API key in use does not allow this request")  # fmt: skip
    client = AppStoreClient.from_settings({}, transport=asc_transport(asc_key, [forbidden], seen))
    with approved_store(db_path, "app_store", "rev-1") as store:
        (o,) = send(store, lambda *_: client, "budi", yes=True)
        assert o.result == "failed" and "HTTP 403 This request is forbidden" in state(store)[1]
        workflow.approve(store, "app_store:rev-1", "budi", load_templates())  # retry after fixing the key
        workflow.claim(store, workflow.to_send(store)[0], "budi")  # ... and crash after posting
        existing = httpx.Response(200, json={"data": {"type": "customerReviewResponses", "id": "resp-1",
                                  "attributes": {"responseBody": TEXT, "lastModifiedDate": "2026-03-01T09:00:00Z"}}})  # fmt: skip
        client = AppStoreClient.from_settings({}, transport=asc_transport(asc_key, [existing], seen))
        (o,) = send(store, lambda *_: client, "budi", yes=True)
        assert o.result == "already-there" and state(store)[0] == "sent"
    assert [r.method for r in seen] == ["POST", "GET"]


def test_app_store_rejected_reply_is_failed_with_apples_line(db_path, asc_key):
    seen: list[httpx.Request] = []
    invalid = asc_error(409, "ENTITY_ERROR.ATTRIBUTE.INVALID", "An attribute value is invalid.",
                        "The provided entity includes an attribute with an invalid value")  # fmt: skip
    client = AppStoreClient.from_settings({}, transport=asc_transport(asc_key, [invalid], seen))
    with approved_store(db_path, "app_store", "rev-1") as store:
        (o,) = send(store, lambda *_: client, "budi", yes=True)
        st, error = state(store)
    assert o.result == "failed" and st == "failed" and "\n" not in error
    assert "HTTP 409 An attribute value is invalid." in error and len(seen) == 1  # no retry


# -- an App Store review read from the public feed (numeric id) and its App Store Connect twin ------
FEED_ID = "6290024630"  # the public feed's entry.id.label
ASC_ID = "00000028-b08c-0014-729e-fbd500000007"  # the customerReviews id App Store Connect gives it


def feed_and_twin(db_path, twin_hours: float | None) -> Store:
    same = {"source": "app_store", "app_id": "mpaspor", "author": "nick7", "title": "Gagal bayar",
            "text": "aplikasi error terus", "rating": 1}  # fmt: skip
    store = Store(db_path)
    rows = [{**same, "native_id": FEED_ID, "created_at": "2026-03-01T08:00:00Z"}]  # dated by its update
    if twin_hours is not None:
        at = datetime(2026, 3, 1, 8) - timedelta(hours=twin_hours)
        rows.append({**same, "native_id": ASC_ID, "created_at": at.isoformat()})
        rows.append({**same, "native_id": "00000028-0000", "text": "lain", "created_at": at.isoformat()})
    store.upsert_feedback(rows)
    fid = f"app_store:{FEED_ID}"
    workflow.draft(store, fid, "rina", load_templates(), HEADLINE, text=TEXT)
    workflow.approve(store, fid, "budi", load_templates())
    return store


def test_a_feed_review_is_answered_under_its_app_store_connect_twin_and_counted_once(db_path, asc_key):
    from reply.metrics import summary

    seen: list[httpx.Request] = []
    client = AppStoreClient.from_settings({}, transport=asc_transport(asc_key, [asc_created(TEXT)], seen))
    with feed_and_twin(db_path, twin_hours=5) as store:
        before = summary(store.con)
        (o,) = send(store, lambda *_: client, "budi", yes=True)
        assert o.result == "sent"
        shown = store.con.execute("SELECT native_id, reply_text FROM feedback ORDER BY native_id").fetchall()
        after = summary(store.con)
    body = json.loads(seen[0].content)
    assert body["data"]["relationships"]["review"]["data"]["id"] == ASC_ID
    assert (
        dict(shown)[FEED_ID] == TEXT and dict(shown)[ASC_ID] == TEXT and dict(shown)["00000028-0000"] is None
    )
    assert (before["n"], before["answered"], after["n"], after["answered"]) == (2, 0, 2, 1)


@pytest.mark.parametrize("twin_hours", [None, 72])  # no appstore-api source; a review three days apart
def test_a_feed_review_without_a_twin_is_skipped_with_what_to_do(db_path, asc_key, twin_hours):
    seen: list[httpx.Request] = []
    client = AppStoreClient.from_settings({}, transport=asc_transport(asc_key, [], seen))
    with feed_and_twin(db_path, twin_hours) as store:
        (dry,) = send(store, lambda *_: client, "budi", yes=False)
        (o,) = send(store, lambda *_: client, "budi", yes=True)
        st = state(store)
    assert dry.result == o.result == "skipped" and st == ("approved", None) and seen == []
    assert "public App Store feed" in o.detail and "--source appstore-api" in o.detail
