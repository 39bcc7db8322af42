"""The stores' official reply APIs behind one small interface: ``existing(review_id)`` and ``post``.

Google Play: androidpublisher v3 ``reviews.get`` / ``reviews.reply`` through google-api-python-client
(the discovery document it ships, so building the service needs no network), authorized with a service
account that has the "Reply to reviews" permission (scope androidpublisher). App Store Connect:
``GET /v1/customerReviews/{id}/response`` and ``POST /v1/customerReviewResponses`` through httpx, with a
JWT (ES256, ``kid``, ``iss``, ``aud`` appstoreconnect-v1, 15 minutes: Apple accepts at most 20).

Credentials come from the environment or from file paths in suara.toml ``[reply.play]`` /
``[reply.appstore]``; a key itself in the configuration is refused. Both clients retry 429 and 5xx with
exponential backoff (``Retry-After`` honoured) and raise ``PostError`` with one line naming the failure.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

PLAY_SCOPE = "https://www.googleapis.com/auth/androidpublisher"
ASC_BASE = "https://api.appstoreconnect.apple.com"
RETRIES = 4
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class PostError(Exception):
    """A post that failed for good (after retries where retrying helps); one line for the audit trail."""


class CredentialsError(Exception):
    """Credentials missing or unreadable; the message says which variable or key to set."""


@dataclass(frozen=True)
class Published:
    text: str
    at: datetime | None


def _utc(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def _retrying(call: Callable[[], object], status_of, retry_after_of, sleep, what: str, failed=lambda: None):
    delay = 1.0
    for attempt in range(RETRIES + 1):
        try:
            return call()
        except Exception as exc:
            status = status_of(exc)
            if status is not None:
                failed()  # an HTTP attempt that failed, retried or not (ingest.collect counts them)
            if status not in RETRY_STATUSES or attempt == RETRIES:
                raise
            sleep(retry_after_of(exc) or delay)
            delay *= 2
    raise AssertionError(what)  # unreachable


def _config(settings_extra: dict, store: str) -> dict:
    cfg = dict(settings_extra.get("reply", {}).get(store, {}))
    for key in ("private_key", "key", "service_account"):
        if key in cfg:
            raise CredentialsError(
                f"suara.toml [reply.{store}] holds '{key}': put the key in a file and give its path "
                f"({'private_key_file' if store == 'appstore' else 'service_account_file'}), never the key itself"
            )
    return cfg


# -- Google Play ----------------------------------------------------------------------------------
def _google_status(exc) -> int | None:
    from googleapiclient.errors import HttpError

    return int(exc.resp.status) if isinstance(exc, HttpError) else None


def _google_retry_after(exc) -> float | None:
    value = getattr(getattr(exc, "resp", None), "get", lambda *_: None)("retry-after")
    return float(value) if value and str(value).isdigit() else None


class PlayClient:
    def __init__(self, service, package: str, sleep=time.sleep):
        self.service, self.package, self.sleep = service, package, sleep
        self.failures = 0  # failed HTTP attempts, retried or not

    @classmethod
    def build(
        cls,
        package: str,
        http=None,
        settings_extra: dict | None = None,
        sleep=time.sleep,
        transport=None,
    ):
        """The androidpublisher v3 service; ``http`` (e.g. HttpMockSequence) replaces the authorized one,
        ``transport`` only the connection under it (tests replay the OAuth token exchange through it)."""
        from googleapiclient.discovery import build

        if http is None:
            path = os.environ.get("SUARA_PLAY_SERVICE_ACCOUNT") or _config(settings_extra or {}, "play").get(
                "service_account_file"
            )
            if not path:
                raise CredentialsError(
                    "no Play credentials: set SUARA_PLAY_SERVICE_ACCOUNT or [reply.play] service_account_file "
                    "to the service account's JSON key file (with the 'Reply to reviews' permission)"
                )
            import google_auth_httplib2
            import httplib2
            from google.oauth2 import service_account

            try:
                creds = service_account.Credentials.from_service_account_file(path, scopes=[PLAY_SCOPE])
            except (OSError, ValueError) as exc:
                raise CredentialsError(f"Play service account file {path} cannot be read: {exc}") from None
            http = google_auth_httplib2.AuthorizedHttp(creds, http=transport or httplib2.Http(timeout=30))
        service = build("androidpublisher", "v3", http=http, cache_discovery=False, static_discovery=True)
        return cls(service, package, sleep)

    def _run(self, request, what: str):
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        def failed():
            self.failures += 1

        try:
            return _retrying(request.execute, _google_status, _google_retry_after, self.sleep, what, failed)
        except HttpError as exc:
            raise PostError(f"Google Play {what}: HTTP {exc.resp.status} {exc._get_reason()}") from None
        except RefreshError as exc:  # Google refused the key: revoked, deleted, or the clock is wrong
            self.failures += 1
            reason = exc.args[0] if exc.args else "refused"
            raise PostError(
                f"Google Play {what}: the service account key was refused ({reason}); "
                "create a new JSON key for the service account and point SUARA_PLAY_SERVICE_ACCOUNT at it"
            ) from None
        except (TransportError, OSError) as exc:
            self.failures += 1
            raise PostError(f"Google Play {what}: {exc.__class__.__name__} {exc}") from None

    def existing(self, review_id: str) -> Published | None:
        review = self._run(
            self.service.reviews().get(packageName=self.package, reviewId=review_id), "reviews.get"
        )
        for comment in review.get("comments", []):
            dev = comment.get("developerComment")
            if dev:
                return Published(dev.get("text", ""), _play_time(dev.get("lastModified")))
        return None

    def post(self, review_id: str, text: str) -> Published:
        result = self._run(
            self.service.reviews().reply(
                packageName=self.package, reviewId=review_id, body={"replyText": text}
            ),
            "reviews.reply",
        ).get("result", {})
        return Published(result.get("replyText", text), _play_time(result.get("lastEdited")))

    def list_reviews(self, max_results: int = 100, token: str | None = None) -> dict:
        """One page of ``reviews.list`` (the last week's reviews with text), ``token`` from the previous one."""
        kwargs = {"packageName": self.package, "maxResults": max_results}
        if token:
            kwargs["token"] = token
        return self._run(self.service.reviews().list(**kwargs), "reviews.list")


def _play_time(ts: dict | None) -> datetime | None:
    if not ts or "seconds" not in ts:
        return None
    return datetime.fromtimestamp(int(ts["seconds"]), UTC).replace(tzinfo=None)


# -- App Store Connect ------------------------------------------------------------------------------
class _AscHttpError(Exception):
    def __init__(self, response: httpx.Response):
        self.response = response
        super().__init__(response.status_code)


class AppStoreClient:
    def __init__(self, key_id: str, issuer_id: str, private_key: str, transport=None, sleep=time.sleep):
        self.key_id, self.issuer_id, self._key = key_id, issuer_id, private_key
        self.sleep = sleep
        self.failures = 0  # failed HTTP attempts, retried or not
        self.http = httpx.Client(base_url=ASC_BASE, transport=transport, timeout=30)

    @classmethod
    def from_settings(cls, settings_extra: dict | None = None, transport=None, sleep=time.sleep):
        cfg = _config(settings_extra or {}, "appstore")
        key_id = os.environ.get("SUARA_ASC_KEY_ID") or cfg.get("key_id")
        issuer = os.environ.get("SUARA_ASC_ISSUER_ID") or cfg.get("issuer_id")
        path = os.environ.get("SUARA_ASC_PRIVATE_KEY_FILE") or cfg.get("private_key_file")
        if not (key_id and issuer and path):
            raise CredentialsError(
                "no App Store Connect credentials: set SUARA_ASC_KEY_ID, SUARA_ASC_ISSUER_ID and "
                "SUARA_ASC_PRIVATE_KEY_FILE (or key_id, issuer_id, private_key_file in [reply.appstore])"
            )
        try:
            key = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CredentialsError(
                f"App Store Connect key file {path} cannot be read: {getattr(exc, 'strerror', None) or exc.reason}"
            ) from None
        _check_p8(key, path)
        return cls(key_id, issuer, key, transport=transport, sleep=sleep)

    def token(self) -> str:
        import jwt

        now = int(time.time())
        claims = {"iss": self.issuer_id, "iat": now, "exp": now + 15 * 60, "aud": "appstoreconnect-v1"}
        return jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self.key_id, "typ": "JWT"})

    def _request(self, method: str, url: str, what: str, body: dict | None = None) -> httpx.Response:
        def call():
            r = self.http.request(method, url, json=body, headers={"Authorization": f"Bearer {self.token()}"})
            if r.status_code >= 400 and r.status_code != 404:
                raise _AscHttpError(r)
            return r

        def status(exc):
            return exc.response.status_code if isinstance(exc, _AscHttpError) else None

        def retry_after(exc):
            value = exc.response.headers.get("retry-after")
            return float(value) if value and value.isdigit() else None

        def failed():
            self.failures += 1

        try:
            return _retrying(call, status, retry_after, self.sleep, what, failed)
        except _AscHttpError as exc:
            raise PostError(
                f"App Store Connect {what}: HTTP {exc.response.status_code} {_asc_detail(exc.response)}"
            ) from None
        except httpx.HTTPError as exc:
            self.failures += 1
            raise PostError(f"App Store Connect {what}: {exc.__class__.__name__} {exc}") from None

    def list_reviews(self, app_id: str, next_url: str | None = None, limit: int = 200) -> dict:
        """One page of ``GET /v1/apps/{id}/customerReviews`` (newest first, with its published response);
        ``next_url`` is the previous page's ``links.next``, followed only on Apple's own host."""
        if next_url is None:
            url = f"/v1/apps/{app_id}/customerReviews?limit={limit}&sort=-createdDate&include=response"
        elif httpx.URL(next_url).host == httpx.URL(ASC_BASE).host:
            url = next_url
        else:  # the token must never go anywhere else
            raise PostError(f"App Store Connect customerReviews: links.next leaves {ASC_BASE}; not followed")
        r = self._request("GET", url, "customerReviews")
        if r.status_code == 404:
            raise PostError(
                f"App Store Connect customerReviews: app {app_id} not found (HTTP 404); "
                "check appstore_id in suara.toml and that the key's team owns the app"
            )
        try:
            return r.json()
        except ValueError:
            raise PostError("App Store Connect customerReviews: the answer is not JSON") from None

    def existing(self, review_id: str) -> Published | None:
        r = self._request("GET", f"/v1/customerReviews/{review_id}/response", "get response")
        if r.status_code == 404:
            return None
        attrs = r.json().get("data", {}).get("attributes", {})
        return Published(attrs.get("responseBody", ""), _utc(attrs.get("lastModifiedDate")))

    def post(self, review_id: str, text: str) -> Published:
        body = {
            "data": {
                "type": "customerReviewResponses",
                "attributes": {"responseBody": text},
                "relationships": {"review": {"data": {"type": "customerReviews", "id": review_id}}},
            }
        }
        r = self._request("POST", "/v1/customerReviewResponses", "customerReviewResponses", body)
        if r.status_code == 404:
            raise PostError(
                f"App Store Connect customerReviewResponses: review {review_id} not found (HTTP 404)"
            )
        attrs = r.json().get("data", {}).get("attributes", {})
        return Published(attrs.get("responseBody", text), _utc(attrs.get("lastModifiedDate")))


def _check_p8(key: str, path) -> None:
    """A key file that is not an EC private key fails here, naming the file (never its content)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        loaded = load_pem_private_key(key.encode(), password=None)
    except (ValueError, TypeError):
        loaded = None
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise CredentialsError(
            f"App Store Connect key file {path} is not an EC private key (the AuthKey_<KEY_ID>.p8 "
            "downloaded from App Store Connect > Users and Access > Integrations)"
        )


def _asc_detail(r: httpx.Response) -> str:
    try:
        err = r.json()["errors"][0]
        return f"{err.get('title', '')}: {err.get('detail', '')}".strip(": ")
    except (ValueError, KeyError, IndexError, TypeError):
        return r.reason_phrase or "error"
