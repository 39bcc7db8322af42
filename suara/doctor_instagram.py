"""`suara doctor`'s check of the Instagram Graph API token (ingest/instagram.py reads it,
ingest/instagram_graph.py asks Meta): one line per app.

Run only for the apps with ``instagram_user_id``. Two read-only requests, nothing written anywhere:
``GET /{ig-user-id}?fields=username`` proves the token reaches the account (instagram_basic, the Page
linked to it), and ``GET /me/permissions`` lists what the token was granted, so a permission the
comments need (instagram_basic, instagram_manage_comments, pages_read_engagement) that is missing or
declined is a warning naming it. Like the owner's API checks (suara/doctor_api.py) a failure is a
warning (the nightly runs the other sources without it) with one line: Meta's error and what to do,
never the token.
"""

from __future__ import annotations

from ingest import http, instagram, instagram_graph
from ingest.http import SourceError
from suara.check import Check
from suara.config import ConfigError, Settings

HINT = (
    "create a long-lived token for the Meta app with instagram_basic, instagram_manage_comments and "
    f"pages_read_engagement; set {instagram.INSTAGRAM_TOKEN_ENV} or [instagram] token_file"
)


def granted(data: dict) -> dict[str, str]:
    """``/me/permissions`` (``{"data": [{"permission", "status"}]}``) -> permission -> status."""
    rows = data.get("data") if isinstance(data.get("data"), list) else []
    return {
        r["permission"]: str(r.get("status"))
        for r in rows
        if isinstance(r, dict) and isinstance(r.get("permission"), str)
    }


def check_instagram(settings: Settings, client=None) -> list[Check]:
    """``client``: an httpx client (tests pass one replaying answers); by default the project's."""
    apps = [a for a in settings.apps if a.instagram_user_id]
    if not apps:
        return []
    try:
        token = instagram.access_token(settings)
        _, version = instagram.options(settings)
    except (SourceError, ConfigError) as exc:
        return [Check(f"instagram {a.key}", "warn", str(exc), HINT) for a in apps]
    own = client is None
    client = client or http.make_client(timeout=20)
    policy = http.RetryPolicy(attempts=2, max_wait=30, deadline=30)
    checks = []
    try:
        for app in apps:
            graph = instagram_graph.Graph(http.Fetcher(client, policy), token, version, app.key)
            name = f"instagram {app.key}"
            try:
                username = graph.username(app.instagram_user_id, f"Instagram account of {app.key}")
                graph.pending_wait = None  # a busy quota is the nightly's concern, not the doctor's
                perms = granted(graph.get("me/permissions", "the token's permissions"))
            except SourceError as exc:
                checks.append(Check(name, "warn", str(exc), HINT))
                continue
            missing = [p for p in instagram_graph.PERMISSIONS if perms.get(p) != "granted"]
            if missing:
                checks.append(
                    Check(
                        name,
                        "warn",
                        f"the token reads @{username} but lacks {', '.join(missing)}: the comments cannot be read",
                        HINT,
                    )
                )
            else:
                checks.append(
                    Check(
                        name,
                        "ok",
                        f"the token reads @{username} with {', '.join(instagram_graph.PERMISSIONS)} (nothing written)",
                    )
                )
    finally:
        if own:
            client.close()
    return checks
