"""Comments on the institution's own Instagram posts, through the Instagram Graph API (Facebook Login).

The account is an Instagram professional account linked to a Facebook Page and a Meta app; its id is
``instagram_user_id`` in the app's ``[apps.KEY]``. The token (a Facebook User or system-user access
token with instagram_basic, instagram_manage_comments and pages_read_engagement) comes from
``$SUARA_INSTAGRAM_TOKEN`` or the file named by ``[instagram] token_file`` in suara.toml, never from the
configuration itself; it is sent in the Authorization header only and scrubbed from every message.

One run reads ``GET /{ig-user-id}?fields=username`` (the account's own name), then its media newest
first (``GET /{ig-user-id}/media``), and for each medium with comments ``GET /{ig-media-id}/comments``
with the replies expanded (``replies{...}``, and ``GET /{ig-comment-id}/replies`` when they run on to
another page). Every edge is paged with ``paging.cursors.after`` for as long as ``paging.next`` is
given; cursors are never saved (Meta: they do not stay valid). One page of the stream is one page of
media with all their comments, so ingest/incremental.py's rule applies as to every source: a normal
run stops after a page of media whose comments were all stored before, unchanged and with the same
reply, once it reaches back to the watermark and past the re-read window; ``--full`` reads every
medium. A new comment on an older post than where a run stopped waits for a ``--full`` run.

A comment or reply written by the account itself (``username`` is the account's own) is not feedback:
the first such reply in a thread becomes ``reply_text`` / ``replied_at`` of its top-level comment
(Instagram adds replies to a reply to the top-level comment), like a store's developer reply. Authors
are stored only as the salted hash (``author``); ``raw`` keeps the media and parent ids, no names. The
public link is the post's permalink.

Rate limits: each response's ``X-App-Usage`` and ``X-Business-Use-Case-Usage`` JSON headers are read;
when a figure reaches ``USAGE_HIGH`` percent, the next request waits for
``estimated_time_to_regain_access`` (minutes), or ``USAGE_WAIT`` seconds, within the retry policy's
bound, else the run fails clearly and the next run catches up. Throttling errors (codes 4, 17, 32,
613, 80002) are waited out the same way. Meta's error body ``{"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}`` becomes one line: an expired or revoked token (code 190) and a
missing permission (10, 200-299) say what to do.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from ingest.http import Fetcher, FetchError, RetryBody, SourceError
from ingest.source import Page, Stream, read_items
from suara.config import AppConfig, ConfigError, Settings
from suara.credentials import INSTAGRAM_TOKEN_ENV, CredentialError, credential, secret_file

log = logging.getLogger(__name__)

SOURCE = "instagram"
NEEDS_SETTINGS = True  # ingest.collect passes settings= to streams (the token file, the API version)
GRAPH_HOST = "https://graph.facebook.com"
API_VERSION = "v25.0"  # "The latest version is: v25.0" (IG Media reference); [instagram] api_version
MEDIA_PAGE = 25
COMMENTS_PAGE = 50
MEDIA_LIMIT = 10_000  # the media edge lists at most the 10K newest media: reaching it may leave a gap
MEDIA_FIELDS = "id,timestamp,permalink,comments_count"
REPLY_FIELDS = "id,text,timestamp,username,like_count"
COMMENT_FIELDS = f"{REPLY_FIELDS},replies{{{REPLY_FIELDS}}}"
PERMISSIONS = ("instagram_basic", "instagram_manage_comments", "pages_read_engagement")
USAGE_HIGH = 90  # percent of a rate limit at which the next request waits
USAGE_WAIT = 300.0  # seconds, when Meta says high usage but not when access returns
THROTTLE_CODES = frozenset({4, 17, 32, 613, 80002})
_VERSION = re.compile(r"v\d+\.\d+")
# an @mention (not an e-mail address's @): Instagram starts every reply with the name it answers
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)")
MENTION = "@AKUN"  # a citizen's username in a text (nlp drops it as a mention); the account's own stays


class MissingToken(SourceError):
    pass


@dataclass(frozen=True)
class GraphError:
    """Meta's error body: ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``."""

    code: int | None
    subcode: int | None
    type: str
    message: str
    trace: str

    @classmethod
    def read(cls, response: httpx.Response) -> GraphError | None:
        try:
            body = response.json()
        except ValueError:
            return None
        err = body.get("error") if isinstance(body, dict) else None
        if not isinstance(err, dict):
            return None

        def number(key):
            value = err.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        message = " ".join(str(err.get("message") or "").split())[:200]
        return cls(
            number("code"),
            number("error_subcode"),
            str(err.get("type") or ""),
            message,
            str(err.get("fbtrace_id") or ""),
        )

    def describe(self) -> str:
        sub = f", subcode {self.subcode}" if self.subcode else ""
        trace = f", fbtrace_id {self.trace}" if self.trace else ""
        return f"{self.message or 'no message'} ({self.type or 'error'} {self.code}{sub}{trace})"


def options(settings: Settings) -> tuple[Path | None, str]:
    """(token file, API version) from the optional ``[instagram]`` table of suara.toml."""
    raw = settings.extra.get("instagram", {}) if isinstance(settings.extra, dict) else {}
    where = settings.config_path or "suara.toml"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: instagram must be a table ([instagram]), not {raw!r}")
    unknown = set(raw) - {"token_file", "api_version"}
    if unknown:
        raise ConfigError(
            f"{where}: [instagram] has unknown keys {sorted(unknown)}; allowed: api_version, token_file"
        )
    path, version = raw.get("token_file"), raw.get("api_version", API_VERSION)
    if path is not None and (not isinstance(path, str) or not path.strip()):
        raise ConfigError(f"{where}: [instagram] token_file must be a path in quotes, not {path!r}")
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise ConfigError(f'{where}: [instagram] api_version must look like "{API_VERSION}", not {version!r}')
    if path and not Path(path).is_absolute() and settings.config_path:
        path = Path(settings.config_path).resolve().parent / path  # relative to the config file
    return (Path(path) if path else None), version


def access_token(settings: Settings) -> str:
    """The token from ``$SUARA_INSTAGRAM_TOKEN``, else the ``[instagram] token_file``; checked, never shown."""
    token_file, _ = options(settings)
    try:
        token = credential(INSTAGRAM_TOKEN_ENV)
        if not token and token_file:
            token = secret_file(token_file, "[instagram] token_file")
    except CredentialError as exc:
        raise MissingToken(str(exc)) from None
    if not token:
        raise MissingToken(
            f"no Instagram access token: export {INSTAGRAM_TOKEN_ENV} or name a file holding it in "
            "[instagram] token_file of suara.toml (a token with instagram_basic, instagram_manage_comments "
            "and pages_read_engagement)"
        )
    return token


def usage(headers: httpx.Headers) -> tuple[int, float]:
    """(highest usage percentage, minutes until access returns) from Meta's usage headers; (0, 0) without."""
    high, regain = 0, 0.0

    def figures(entry: dict) -> None:
        nonlocal high, regain
        for key in ("call_count", "total_cputime", "total_time"):
            value = entry.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                high = max(high, int(value))
        wait = entry.get("estimated_time_to_regain_access")
        if isinstance(wait, int | float) and not isinstance(wait, bool):
            regain = max(regain, float(wait))

    for name in ("x-app-usage", "x-business-use-case-usage"):
        try:
            value = json.loads(headers.get(name) or "null")
        except ValueError:
            continue
        if name == "x-app-usage" and isinstance(value, dict):
            figures(value)
        elif isinstance(value, dict):  # {"<business id>": [{"type": "instagram", "call_count": ...}]}
            for entries in value.values():
                for entry in entries if isinstance(entries, list) else []:
                    if isinstance(entry, dict):
                        figures(entry)
    return high, regain


class Graph:
    """GET requests to the Graph API through the project's Fetcher (retries, deadlines), with Meta's
    usage headers and error bodies understood."""

    def __init__(self, fetcher: Fetcher, token: str, version: str = API_VERSION, app_key: str = ""):
        self.fetcher, self.version, self.app_key = fetcher, version, app_key
        self.auth = {"authorization": f"Bearer {token}"}
        self.error: GraphError | None = None
        self.pending_wait: tuple[float, str] | None = None  # (seconds, why) before the next request

    def get(self, path: str, what: str, **params) -> dict:
        attempts = self.fetcher.policy.attempts
        for attempt in range(1, attempts + 1):
            self._wait_if_asked(what)
            self.error = None
            try:
                response, data = self.fetcher.get(
                    f"{GRAPH_HOST}/{self.version}/{path}",
                    params=params,
                    headers=self.auth,
                    what=what,
                    read=lambda r: (r, _decode(r, what)),
                    refused=self._refused,
                )
            except FetchError:
                if self.error and self.error.code in THROTTLE_CODES and attempt < attempts:
                    self.fetcher.failures += 1  # _refused set the wait: retry after it
                    continue
                raise
            high, regain = usage(response.headers)
            if high >= USAGE_HIGH:
                self.pending_wait = (regain * 60 or USAGE_WAIT, f"Meta reports {high}% of a rate limit used")
            return data
        raise AssertionError("unreachable")

    def _wait_if_asked(self, what: str) -> None:
        if not self.pending_wait:
            return
        seconds, why = self.pending_wait
        self.pending_wait = None
        policy = self.fetcher.policy
        if seconds > policy.max_wait:
            raise FetchError(
                f"{what}: {why}; access returns in {seconds:.0f}s, more than the {policy.max_wait:.0f}s bound "
                "([collect] max_wait_seconds); the next run catches up"
            )
        log.info("%s: %s; waiting %.0fs", what, why, seconds)
        policy.sleep(seconds)

    def _refused(self, response: httpx.Response) -> str:
        err = self.error = GraphError.read(response)
        if err is None:
            return "the answer is not Meta's error body"
        if err.code in THROTTLE_CODES:
            _, regain = usage(response.headers)
            self.pending_wait = (regain * 60 or USAGE_WAIT, f"throttled: {err.describe()}")
            return f"Meta's rate limit is reached: {err.describe()}; the next run catches up"
        if err.code == 190 or (err.code == 102 and err.type == "OAuthException"):
            return (
                f"the Instagram access token has expired or was revoked: {err.describe()}; create a new "
                f"long-lived token and set {INSTAGRAM_TOKEN_ENV} (or the file in [instagram] token_file)"
            )
        if err.code == 10 or (err.code is not None and 200 <= err.code <= 299):
            return (
                f"the access token lacks a permission: {err.describe()}; grant {', '.join(PERMISSIONS)} "
                "to the Meta app (and the Page task to its user), then create the token again"
            )
        if err.code == 100:
            return (
                f"{err.describe()}; check instagram_user_id in [apps.{self.app_key or 'KEY'}] (the numeric id of "
                "the Instagram professional account, not its username)"
            )
        return err.describe()

    def edge(self, path: str, what: str, after: str | None = None, **params) -> Iterator[list]:
        """The pages of an edge (from the cursor ``after``): its ``data`` lists, following
        ``paging.cursors.after`` while ``paging.next`` is given."""
        for number in range(1, 100_000):
            data = self.get(path, f"{what}, page {number}", **params, **({"after": after} if after else {}))
            items = data.get("data")
            if not isinstance(items, list):
                raise _changed(f"{what}: the answer has no 'data' list")
            yield items
            after = _after(data)
            if not after:
                return

    def username(self, user_id: str, what: str) -> str:
        data = self.get(user_id, what, fields="username")
        name = data.get("username")
        if not isinstance(name, str) or not name:
            raise _changed(f"{what}: the account has no 'username'")
        return name


def _after(data: dict) -> str | None:
    """The next page's cursor, or None on the last page (no ``paging.next``)."""
    paging = data.get("paging") if isinstance(data.get("paging"), dict) else {}
    cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
    after = cursors.get("after")
    return after if paging.get("next") and isinstance(after, str) and after else None


def _decode(response: httpx.Response, what: str) -> dict:
    try:
        data = json.loads(response.content)
    except ValueError as exc:
        raise RetryBody(f"{what} is not whole JSON ({type(exc).__name__}; truncated)") from None
    if not isinstance(data, dict):
        raise _changed(f"{what}: the answer is not a JSON object")
    return data


def _changed(message: str) -> SourceError:
    from ingest.source import FormatChanged

    return FormatChanged(
        f"{message}; the Graph API's format has probably changed: update ingest/instagram.py"
    )


def is_own(item: dict, own: str) -> bool:
    name = item.get("username") if isinstance(item, dict) else None
    return isinstance(name, str) and name.casefold() == own.casefold()


def unmention(text, own: str = ""):
    """``text`` with every @username but the account's own replaced by ``MENTION`` (usernames are
    personal data: they are never stored in clear, in a text either)."""
    if not isinstance(text, str) or "@" not in text:
        return text
    return _MENTION.sub(lambda m: m.group(0) if m.group(1).casefold() == own.casefold() else MENTION, text)


def parse_comment(
    item, medium: dict, app_id: str, reply: dict | None = None, parent: str | None = None, own: str = ""
) -> dict:
    """One IG Comment -> a record (not yet normalized); ``reply``: the account's own reply to it;
    ``own``: the account's username (the one mention kept in texts)."""
    if not isinstance(item, dict):
        raise TypeError("comment is not an object")
    raw = {"media_id": medium["id"], "parent_id": parent}
    return {
        "source": SOURCE,
        "native_id": item["id"],
        "app_id": app_id,
        "text": unmention(item["text"], own),
        "created_at": item["timestamp"],
        "author": item.get("username"),  # stored only as the salted hash
        "likes": item.get("like_count") or 0,
        "url": medium.get("permalink"),
        "reply_text": unmention(reply.get("text"), own) if reply else None,
        "replied_at": reply.get("timestamp") if reply else None,
        "raw": json.dumps(raw),
    }


def _thread(graph: Graph, comment: dict, what: str) -> list:
    """The replies to a top-level comment: the expanded ones, then any further pages of its replies edge."""
    replies = comment.get("replies") if isinstance(comment.get("replies"), dict) else {}
    items = list(replies.get("data") or [])
    after = _after(replies)
    if after:
        for page in graph.edge(
            f"{comment['id']}/replies",
            f"{what}, replies",
            fields=REPLY_FIELDS,
            limit=COMMENTS_PAGE,
            after=after,
        ):
            items += page
    return items


def medium_items(graph: Graph, medium: dict, own: str, what: str) -> list[tuple]:
    """(comment, medium, own reply, parent id) for every citizen's comment and reply on ``medium``."""
    items = []
    for page in graph.edge(f"{medium['id']}/comments", what, fields=COMMENT_FIELDS, limit=COMMENTS_PAGE):
        for comment in page:
            if not isinstance(comment, dict):
                items.append((comment, medium, None, None))  # counted as unreadable
                continue
            replies = [r for r in _thread(graph, comment, what) if isinstance(r, dict)]
            mine = sorted((r for r in replies if is_own(r, own)), key=lambda r: str(r.get("timestamp")))
            if not is_own(comment, own) and str(comment.get("text") or "").strip():
                items.append((comment, medium, mine[0] if mine else None, None))
            items += [
                (r, medium, None, comment.get("id"))
                for r in replies
                if not is_own(r, own) and str(r.get("text") or "").strip()
            ]
    return items


def streams(
    fetcher: Fetcher, app: AppConfig, state, *, full: bool, max_items: int | None, settings: Settings
) -> list[Stream]:
    """One stream of the account's media pages, newest first (the token is checked before any request)."""
    try:
        token = access_token(settings)
        _, version = options(settings)
    except ConfigError as exc:  # a bad [instagram] table fails this source, not the others
        raise MissingToken(str(exc)) from None
    return [Stream("", _pages(Graph(fetcher, token, version, app.key), app))]


def _pages(graph: Graph, app: AppConfig) -> Iterator[Page]:
    user = app.instagram_user_id
    own = graph.username(user, f"Instagram account of {app.key}")
    read = 0
    pages = graph.edge(
        f"{user}/media", f"Instagram media of {app.key}", fields=MEDIA_FIELDS, limit=MEDIA_PAGE
    )
    for number, media in enumerate(pages, start=1):
        items = []
        for medium in media:
            if not isinstance(medium, dict) or "id" not in medium:
                raise _changed(f"Instagram media of {app.key}, page {number}: a medium without an 'id'")
            if medium.get("comments_count") == 0:
                continue
            items += medium_items(graph, medium, own, f"Instagram comments of medium {medium['id']}")
        read += len(media)
        page = read_items(
            number, items, lambda t: parse_comment(*t[:2], app.key, *t[2:], own=own), "Instagram comments"
        )
        page.at_limit = read >= MEDIA_LIMIT
        yield page
