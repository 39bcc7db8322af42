"""The owner's review sources (`collect --source play-api|appstore-api`) and their `suara doctor` checks.

Replayed through the real clients of reply/clients.py in the services' documented formats: Play's
``ReviewsListResponse`` (``reviews[]`` of Review resources with userComment / developerComment,
``tokenPagination.nextPageToken``) under google-api-python-client's HttpMockSequence, including the
OAuth token exchange of a service account key generated here; App Store Connect's JSON:API
``customerReviews`` list (``data``, ``included`` customerReviewResponses, ``links.next``) through an
httpx MockTransport that verifies the ES256 JWT with a key generated here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from googleapiclient.http import HttpMockSequence
from typer.testing import CliRunner

from ingest.collect import collect
from reply.clients import AppStoreClient, PlayClient
from suara.cli import app as cli_app
from suara.config import MPASPOR, Settings
from suara.doctor_api import check_owner_apis
from suara.store import Store

PKG = MPASPOR.play_package
OK = {"status": "200", "content-type": "application/json; charset=UTF-8"}
NOW = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
SECRET_MARK = "BEGIN PRIVATE KEY"


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch):
    for name in (
        "SUARA_PLAY_SERVICE_ACCOUNT",
        "SUARA_ASC_KEY_ID",
        "SUARA_ASC_ISSUER_ID",
        "SUARA_ASC_PRIVATE_KEY_FILE",
    ):
        monkeypatch.delenv(name, raising=False)


def settings(db_path) -> Settings:
    return Settings(db_path=db_path, apps=(MPASPOR,))


def rows(store: Store, source: str) -> list[tuple]:
    return store.con.execute(
        "SELECT native_id, title, text, rating, app_version, lang, country, reply_text, replied_at "
        "FROM feedback WHERE source = ? ORDER BY created_at DESC",
        [source],
    ).fetchall()


# -- Google Play ----------------------------------------------------------------------------------
def epoch(dt: datetime) -> str:
    return str(int(dt.replace(tzinfo=UTC).timestamp()))


def play_review(n: int, *, reply: str | None = None, title: str | None = None, lang="in_ID") -> dict:
    at = NOW - timedelta(hours=n)
    text = f"aplikasi error saat bayar nomor {n}"
    user = {"text": f"{title}\t{text}" if title else text, "lastModified": {"seconds": epoch(at), "nanos": 0},
            "starRating": 1 + n % 5, "reviewerLanguage": lang, "device": "a52q", "androidOsVersion": 33,
            "appVersionCode": 731, "appVersionName": "7.3.1", "thumbsUpCount": n, "thumbsDownCount": 0,
            "deviceMetadata": {"productName": "a52q", "manufacturer": "Samsung"}}  # fmt: skip
    comments = [{"userComment": user}]
    if reply:
        dev = {"text": reply, "lastModified": {"seconds": epoch(at + timedelta(minutes=30)), "nanos": 0}}
        comments.append({"developerComment": dev})
    return {"reviewId": f"gp:AOqpTOtest{n:04d}", "authorName": f"Pengguna {n}", "comments": comments}


def play_page(reviews: list[dict], token: str | None = None):
    body = {"pageInfo": {"totalResults": len(reviews), "resultPerPage": len(reviews), "startIndex": 0},
            "reviews": reviews}  # fmt: skip
    if token:
        body["tokenPagination"] = {"nextPageToken": token}
    return OK, json.dumps(body)


def google_error(code: int, status: str, message: str):
    body = {"error": {"code": code, "message": message, "status": status,
                      "errors": [{"message": message, "domain": "global", "reason": status.lower()}]}}  # fmt: skip
    return {"status": str(code), "content-type": "application/json; charset=UTF-8"}, json.dumps(body)


def play_client(seq) -> tuple[PlayClient, HttpMockSequence]:
    http = HttpMockSequence(seq)
    return PlayClient.build(PKG, http=http, sleep=lambda s: None), http


def test_play_api_pages_by_token_and_stores_replies_under_the_reply_id(db_path):
    client, http = play_client(
        [
            play_page(
                [play_review(1, reply="Terima kasih, sudah kami perbaiki."), play_review(2, title="Gagal")],
                "tok2",
            ),
            play_page([play_review(3, lang="en_US")]),
        ]  # fmt: skip
    )
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "play-api", client=client)
        got = rows(store, "play_store")
    assert result.status == "success" and (result.fetched, result.new, result.errors) == (3, 3, 0)
    uris = [u for u, *_ in http.request_sequence]
    assert all(f"/applications/{PKG}/reviews?" in u and "maxResults=100" in u for u in uris)
    assert "token=" not in uris[0] and "token=tok2" in uris[1]
    first, second, third = got
    assert first[0] == "gp:AOqpTOtest0001" and first[7] == "Terima kasih, sudah kami perbaiki."
    assert first[8] == NOW - timedelta(hours=1) + timedelta(minutes=30)
    assert first[5] == "id" and first[4] == "7.3.1"  # Java's "in" is Indonesian
    assert (second[1], second[2]) == ("Gagal", "aplikasi error saat bayar nomor 2")  # title\tbody split
    assert second[7] is None and third[5] == "en"
    with Store(db_path) as store:  # the author is stored only as a salted hash, never in raw
        raw = store.con.execute("SELECT string_agg(raw, '') FROM feedback").fetchone()[0]
    assert "Pengguna" not in raw


def test_play_api_second_run_stops_at_stored_reviews_and_updates_a_new_reply(db_path):
    page = [play_review(n) for n in range(1, 4)]
    client, _ = play_client([play_page(page)])
    with Store(db_path) as store:
        collect(store, settings(db_path), MPASPOR, "play-api", client=client)
    page[0] = play_review(1, reply="Mohon maaf, silakan coba lagi.")
    client, _ = play_client([play_page(page)])
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "play-api", client=client)
        got = rows(store, "play_store")
    assert (result.new, result.updated, result.unchanged) == (0, 1, 2)
    assert got[0][7] == "Mohon maaf, silakan coba lagi."


def test_play_api_403_fails_the_source_with_one_line_and_stores_nothing(db_path):
    client, _ = play_client([google_error(403, "PERMISSION_DENIED", "The caller does not have permission")])
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "play-api", client=client)
        assert store.con.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0
        run = store.con.execute("SELECT status FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()[0]
    assert result.failed and run == "failed" and result.errors == 1
    assert result.message == "Google Play reviews.list: HTTP 403 The caller does not have permission"


def test_play_api_429_is_retried_then_succeeds(db_path):
    client, http = play_client(
        [google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"), play_page([play_review(1)])]
    )
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "play-api", client=client)
    assert result.status == "success" and result.new == 1 and result.errors == 1
    assert len(http.request_sequence) == 2


def service_account_file(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {"type": "service_account", "project_id": "suara-test", "private_key_id": "k1", "private_key": pem,
            "client_email": "suara@suara-test.iam.gserviceaccount.com", "client_id": "1",
            "token_uri": "https://oauth2.googleapis.com/token"}  # fmt: skip
    path = tmp_path / "play-sa.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    return path, key.public_key()


def test_play_api_signs_in_with_the_service_account_then_lists(db_path, tmp_path, monkeypatch):
    path, public = service_account_file(tmp_path)
    monkeypatch.setenv("SUARA_PLAY_SERVICE_ACCOUNT", str(path))
    token = {"access_token": "ya29.test-token", "expires_in": 3599, "token_type": "Bearer"}
    under = HttpMockSequence([(OK, json.dumps(token)), play_page([play_review(1)])])
    client = PlayClient.build(PKG, transport=under, sleep=lambda s: None)
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "play-api", client=client)
    assert result.status == "success" and result.new == 1
    (token_uri, _, grant, _), (list_uri, _, _, headers) = under.request_sequence
    form = parse_qs(grant.decode() if isinstance(grant, bytes) else grant)
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    assertion = form["assertion"][0]
    claims = jwt.decode(assertion, public, algorithms=["RS256"], audience=token_uri)
    assert claims["scope"] == "https://www.googleapis.com/auth/androidpublisher"
    assert headers["authorization"] == "Bearer ya29.test-token" and "/reviews?" in list_uri


def test_play_api_refused_key_fails_with_one_line_naming_what_to_do(db_path, tmp_path, monkeypatch):
    path, _ = service_account_file(tmp_path)
    monkeypatch.setenv("SUARA_PLAY_SERVICE_ACCOUNT", str(path))
    refused = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    under = HttpMockSequence([({"status": "400"}, json.dumps(refused))])
    client = PlayClient.build(PKG, transport=under, sleep=lambda s: None)
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "play-api", client=client)
    assert result.failed and "the service account key was refused (invalid_grant" in result.message
    assert "SUARA_PLAY_SERVICE_ACCOUNT" in result.message and SECRET_MARK not in result.message
    assert "\n" not in result.message


def test_play_api_unreadable_key_file_fails_the_source_not_the_run(db_path, tmp_path, monkeypatch):
    bad = tmp_path / "sa.json"
    bad.write_text("not json at all", encoding="utf-8")
    monkeypatch.setenv("SUARA_PLAY_SERVICE_ACCOUNT", str(bad))
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "play-api")
    assert result.failed and result.message.startswith(f"Play service account file {bad} cannot be read")


# -- App Store Connect ------------------------------------------------------------------------------
ASC_APP = MPASPOR.appstore_id


def asc_client(public_key, responses: list[httpx.Response], seen: list[httpx.Request]) -> AppStoreClient:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, public_key, algorithms=["ES256"], audience="appstoreconnect-v1")
        assert jwt.get_unverified_header(token)["kid"] == "TESTKEY123"
        assert claims["exp"] - claims["iat"] <= 20 * 60
        seen.append(request)
        return responses.pop(0)

    return AppStoreClient.from_settings({}, transport=httpx.MockTransport(handler), sleep=lambda s: None)


def asc_review(n: int, response_id: str | None = None) -> dict:
    rid = f"00000028-b08c-0014-729e-fbd5{n:08d}"
    rel = {"links": {"self": f"https://api.appstoreconnect.apple.com/v1/customerReviews/{rid}/relationships/response",
                     "related": f"https://api.appstoreconnect.apple.com/v1/customerReviews/{rid}/response"}}  # fmt: skip
    if response_id:
        rel["data"] = {"type": "customerReviewResponses", "id": response_id}
    at = (NOW - timedelta(hours=n)).isoformat() + "+07:00"
    return {"type": "customerReviews", "id": rid,
            "attributes": {"rating": 1 + n % 5, "title": f"Judul {n}", "body": f"antrian penuh terus {n}",
                           "reviewerNickname": f"nick{n}", "createdDate": at, "territory": "IDN"},
            "relationships": {"response": rel},
            "links": {"self": f"https://api.appstoreconnect.apple.com/v1/customerReviews/{rid}"}}  # fmt: skip


def asc_response(rid: str, body: str, state: str) -> dict:
    return {"type": "customerReviewResponses", "id": rid,
            "attributes": {"responseBody": body, "lastModifiedDate": "2026-12-06T10:00:00-08:00", "state": state},
            "links": {"self": f"https://api.appstoreconnect.apple.com/v1/customerReviewResponses/{rid}"}}  # fmt: skip


def asc_page(reviews, included=(), next_url=None, total=3) -> httpx.Response:
    links = {"self": f"https://api.appstoreconnect.apple.com/v1/apps/{ASC_APP}/customerReviews"}
    if next_url:
        links["next"] = next_url
    body = {"data": reviews, "included": list(included), "links": links,
            "meta": {"paging": {"total": total, "limit": 200}}}  # fmt: skip
    return httpx.Response(200, json=body)


def asc_error(status: int, code: str, title: str, detail: str, headers=None) -> httpx.Response:
    err = {"id": "b2a8", "status": str(status), "code": code, "title": title, "detail": detail}
    return httpx.Response(status, json={"errors": [err]}, headers=headers)


NEXT = f"https://api.appstoreconnect.apple.com/v1/apps/{ASC_APP}/customerReviews?cursor=Mg.AMwRZw&limit=200"


def test_appstore_api_pages_by_links_next_with_published_responses_only(db_path, asc_key):
    seen: list[httpx.Request] = []
    pages = [
        asc_page(
            [asc_review(1, "r1"), asc_review(2, "r2")],
            [
                asc_response("r1", "Terima kasih atas masukannya.", "PUBLISHED"),
                asc_response("r2", "Draf yang belum tayang", "PENDING_PUBLISH"),
            ],
            NEXT,
        ),  # fmt: skip
        asc_page([asc_review(3)]),
    ]
    client = asc_client(asc_key, pages, seen)
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "appstore-api", client=client)
        got = rows(store, "app_store")
    assert result.status == "success" and (result.fetched, result.new) == (3, 3)
    first = seen[0].url
    assert first.path == f"/v1/apps/{ASC_APP}/customerReviews"
    assert dict(first.params) == {"limit": "200", "sort": "-createdDate", "include": "response"}
    assert str(seen[1].url) == NEXT
    assert got[0][0] == "00000028-b08c-0014-729e-fbd500000001" and got[0][6] == "id"
    assert got[0][7] == "Terima kasih atas masukannya." and got[0][8] == datetime(2026, 12, 6, 18, 0)
    assert got[1][7] is None and got[1][8] is None  # pending: not yet what the citizen reads
    assert got[0][1] == "Judul 1"


def test_appstore_api_403_fails_with_apples_error_line(db_path, asc_key):
    seen: list[httpx.Request] = []
    client = asc_client(asc_key, [asc_error(403, "FORBIDDEN_ERROR", "This request is forbidden for security reasons",
                                            "The API key in use does not allow this request")], seen)  # fmt: skip
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "appstore-api", client=client)
        assert store.con.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0
    assert result.failed and result.errors == 1
    assert result.message == (
        "App Store Connect customerReviews: HTTP 403 This request is forbidden for security reasons: "
        "The API key in use does not allow this request"
    )


def test_appstore_api_429_then_success(db_path, asc_key):
    seen: list[httpx.Request] = []
    limited = asc_error(429, "RATE_LIMIT_EXCEEDED", "The request rate limit has been reached.",
                        "We've received too many requests for this API.",
                        {"X-Rate-Limit": "user-hour-lim:3600;user-hour-rem:0;", "Retry-After": "1"})  # fmt: skip
    client = asc_client(asc_key, [limited, asc_page([asc_review(1)])], seen)
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "appstore-api", client=client)
    assert result.status == "success" and result.new == 1 and result.errors == 1 and len(seen) == 2


def test_appstore_api_expired_or_revoked_key_is_one_line(db_path, asc_key):
    seen: list[httpx.Request] = []
    client = asc_client(asc_key, [asc_error(401, "NOT_AUTHORIZED", "Authentication credentials are missing or invalid.",
                                            "Provide a properly configured and signed bearer token, and make sure that it has not expired.")], seen)  # fmt: skip
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "appstore-api", client=client)
    assert result.failed and result.message.startswith("App Store Connect customerReviews: HTTP 401 ")
    assert len(seen) == 1  # a 401 is not retried


def test_appstore_api_key_file_that_is_not_a_key_never_shows_its_content(db_path, tmp_path, monkeypatch):
    bad = tmp_path / "AuthKey_X.p8"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ1dC1icm9rZW4=\n-----END PRIVATE KEY-----\n")
    monkeypatch.setenv("SUARA_ASC_KEY_ID", "X")
    monkeypatch.setenv("SUARA_ASC_ISSUER_ID", "i")
    monkeypatch.setenv("SUARA_ASC_PRIVATE_KEY_FILE", str(bad))
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "appstore-api")
    assert result.failed and result.message.startswith(
        f"App Store Connect key file {bad} is not an EC private key"
    )
    assert "c2VjcmV0" not in result.message and SECRET_MARK not in result.message


def test_appstore_api_never_sends_the_token_to_a_foreign_next_link(db_path, asc_key):
    seen: list[httpx.Request] = []
    client = asc_client(asc_key, [asc_page([asc_review(1)], next_url="https://evil.example/v1/next")], seen)
    with Store(db_path) as store:
        result = collect(store, settings(db_path), MPASPOR, "appstore-api", client=client)
    assert result.failed and "links.next leaves" in result.message and len(seen) == 1


# -- CLI and doctor -----------------------------------------------------------------------------------
def test_cli_collect_play_api_without_credentials_is_one_line_and_exit_1(db_path):
    res = CliRunner().invoke(cli_app, ["collect", "--source", "play-api", "--db", str(db_path)])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "no Play credentials: set SUARA_PLAY_SERVICE_ACCOUNT" in res.output
    assert "1 of 1 source runs failed" in res.output


def test_doctor_checks_each_configured_api_with_one_read_and_names_the_failure(db_path, asc_key):
    seen: list[httpx.Request] = []
    play, http = play_client([google_error(403, "PERMISSION_DENIED", "The caller does not have permission")])
    asc = asc_client(asc_key, [asc_page([asc_review(1)], total=1)], seen)
    checks = check_owner_apis(
        Settings(db_path=db_path, apps=(MPASPOR,), extra={"reply": {"play": {"service_account_file": "x"}}}),
        play=lambda pkg: play,
        appstore=lambda: asc,
    )
    by_name = {c.name: c for c in checks}
    assert by_name["play-api mpaspor"].status == "warn"
    assert "HTTP 403 The caller does not have permission" in by_name["play-api mpaspor"].detail
    assert by_name["appstore-api mpaspor"].status == "ok"
    ((uri, method, *_),) = http.request_sequence
    assert method == "GET" and "maxResults=1" in uri
    assert [r.method for r in seen] == ["GET"] and seen[0].url.params["limit"] == "1"


def test_doctor_skips_the_api_checks_when_no_credentials_are_configured(db_path):
    assert check_owner_apis(Settings(db_path=db_path, apps=(MPASPOR,))) == []


# -- the nightly job ---------------------------------------------------------------------------------
def test_nightly_collects_the_owner_api_only_when_its_credentials_are_set(db_path, tmp_path, monkeypatch):
    from suara.nightly_plan import default_sources

    assert [t.source for t in default_sources(settings(db_path))] == ["play", "appstore", "twitter"]
    monkeypatch.setenv("SUARA_PLAY_SERVICE_ACCOUNT", str(tmp_path / "sa.json"))
    assert [t.source for t in default_sources(settings(db_path))] == [
        "play",
        "appstore",
        "twitter",
        "play-api",
    ]
    monkeypatch.delenv("SUARA_PLAY_SERVICE_ACCOUNT")
    toml = Settings(db_path=db_path, apps=(MPASPOR,), extra={"reply": {"appstore": {"key_id": "K"}}})
    assert [t.source for t in default_sources(toml)] == ["play", "appstore-api", "twitter"]
    roles_only = Settings(db_path=db_path, apps=(MPASPOR,), extra={"reply": {"roles": {"approver": ["a"]}}})
    assert [t.source for t in default_sources(roles_only)] == ["play", "appstore", "twitter"]


def test_nightly_with_app_store_connect_credentials_reads_reviews_and_posts_nothing(
    db_path, tmp_path, asc_key
):
    from suara.config import AppConfig
    from suara.nightly import run_nightly

    seen: list[httpx.Request] = []
    page = asc_page([asc_review(1, "r1"), asc_review(2)], [asc_response("r1", "Terima kasih.", "PUBLISHED")])
    client = asc_client(asc_key, [page], seen)
    only_ios = AppConfig(key="mpaspor", name="M-Paspor", appstore_id=ASC_APP)  # nothing else to collect
    s = Settings(db_path=db_path, apps=(only_ios,))
    with Store(db_path) as store:  # an approved reply waiting: the nightly job must not send it
        store.upsert_feedback([{"source": "app_store", "native_id": "00000028-b08c-0014-729e-fbd500000002",
                                "app_id": "mpaspor", "text": "antrian penuh terus 2", "created_at": NOW}])  # fmt: skip
        store.con.execute("INSERT INTO replies VALUES ('app_store:00000028-b08c-0014-729e-fbd500000002', 1, "
                          "'approved', 'Mohon maaf.', '', 'a', now(), 'a', now(), 'a', now(), NULL, NULL)")  # fmt: skip
    r = run_nightly(s, client={"appstore-api": client}, models_dir=tmp_path / "none", keep_backups=0)
    steps = {st.name: st.status for st in r.steps}
    assert steps["collect appstore-api/mpaspor"] == "success", r.steps
    assert not any(name.startswith("collect appstore/") for name in steps)
    assert {req.method for req in seen} == {"GET"}
    with Store(db_path) as store:
        assert (
            store.con.execute("SELECT count(*) FROM feedback WHERE source = 'app_store'").fetchone()[0] == 2
        )
        assert store.con.execute("SELECT state FROM replies").fetchall() == [("approved",)]
