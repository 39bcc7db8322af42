"""`suara doctor`'s checks of the owner's API credentials (reply/clients.py): one line per app and store.

Run only where credentials are configured (the environment variables or ``[reply.play]`` /
``[reply.appstore]`` in suara.toml): without them the owner's sources and replies are simply not in
use. Each check sends one read-only request, a single-review page of ``reviews.list``
(Play) or ``customerReviews`` (App Store Connect), never a post, so it proves the key is accepted and
the account may read the app's reviews. A failure is a warning (the nightly does not need these) with
the client's one-line message: the variable to set or the HTTP status, never the key or its content.
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.owner_api import configured
from reply.clients import AppStoreClient, CredentialsError, PlayClient, PostError
from suara.check import Check
from suara.config import Settings


def _probe(name: str, what: str, call: Callable[[], object], hint: str) -> Check:
    try:
        call()
    except (CredentialsError, PostError) as exc:
        return Check(name, "warn", str(exc), hint)
    return Check(name, "ok", what)


def check_owner_apis(
    settings: Settings,
    play: Callable[[str], PlayClient] | None = None,
    appstore: Callable[[], AppStoreClient] | None = None,
) -> list[Check]:
    """``play(package)`` / ``appstore()`` make the clients (tests pass replaying ones)."""
    extra = settings.extra if isinstance(settings.extra, dict) else {}
    play = play or (lambda package: PlayClient.build(package, settings_extra=extra))
    appstore = appstore or (lambda: AppStoreClient.from_settings(extra))
    checks = []
    in_use = configured(settings)
    use_play, use_asc = "play-api" in in_use, "appstore-api" in in_use
    for app in settings.apps:
        if use_play and app.play_package:
            pkg = app.play_package
            checks.append(
                _probe(
                    f"play-api {app.key}",
                    f"the service account reads the reviews of {pkg} (reviews.list; nothing posted)",
                    lambda pkg=pkg: play(pkg).list_reviews(max_results=1),
                    "in Play Console > Users and permissions, give the service account 'Reply to "
                    f"reviews' for {pkg}; check SUARA_PLAY_SERVICE_ACCOUNT",
                )
            )
        if use_asc and app.appstore_id:
            app_id = app.appstore_id
            checks.append(
                _probe(
                    f"appstore-api {app.key}",
                    f"the API key reads the reviews of app {app_id} (customerReviews; nothing posted)",
                    lambda app_id=app_id: appstore().list_reviews(app_id, limit=1),
                    "check the SUARA_ASC_* variables; the key needs the Customer Support (or Admin) role "
                    "in App Store Connect > Users and Access > Integrations",
                )
            )
    from suara.doctor_instagram import check_instagram  # the Graph API token (its own module)

    return checks + check_instagram(settings)
