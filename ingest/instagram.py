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

The requests themselves (paging, rate limits and Meta's usage headers, error bodies turned into one
line that says what to do) are ingest/instagram_graph.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from ingest.http import Fetcher, SourceError
from ingest.instagram_graph import API_VERSION, Graph, after_cursor, format_changed
from ingest.source import Page, Stream, read_items
from suara.config import AppConfig, ConfigError, Settings
from suara.credentials import INSTAGRAM_TOKEN_ENV, CredentialError, credential, secret_file

SOURCE = "instagram"
NEEDS_SETTINGS = True  # ingest.collect passes settings= to streams (the token file, the API version)
MEDIA_PAGE = 25
COMMENTS_PAGE = 50
MEDIA_LIMIT = 10_000  # the media edge lists at most the 10K newest media: reaching it may leave a gap
MEDIA_FIELDS = "id,timestamp,permalink,comments_count"
REPLY_FIELDS = "id,text,timestamp,username,like_count"
COMMENT_FIELDS = f"{REPLY_FIELDS},replies{{{REPLY_FIELDS}}}"
_VERSION = re.compile(r"v\d+\.\d+")
# an @mention (not an e-mail address's @): Instagram starts every reply with the name it answers
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)")
MENTION = "@AKUN"  # a citizen's username in a text (nlp drops it as a mention); the account's own stays


class MissingToken(SourceError):
    pass


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
    after = after_cursor(replies)
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
                raise format_changed(f"Instagram media of {app.key}, page {number}: a medium without an 'id'")
            if medium.get("comments_count") == 0:
                continue
            items += medium_items(graph, medium, own, f"Instagram comments of medium {medium['id']}")
        read += len(media)
        page = read_items(
            number, items, lambda t: parse_comment(*t[:2], app.key, *t[2:], own=own), "Instagram comments"
        )
        page.at_limit = read >= MEDIA_LIMIT
        yield page
