"""What the owner's review sources (ingest/play_api.py, ingest/appstore_api.py) share: the official API
client behind ``ingest.collect``'s fetcher interface.

The clients themselves (credentials, JWT, retries with backoff on 429/5xx) are reply/clients.py's, the
same ones that post replies, so reading and replying authenticate one way. ``Reader`` builds its client
on the first request, inside the collect run, so missing or unreadable credentials fail that source
with the client's one-line message (naming the variable to set, never the key) instead of stopping
the other sources; every API failure becomes a ``SourceError`` the same way.

``configured`` says which owner's sources have credentials (the environment variables or a
``[reply.play]`` / ``[reply.appstore]`` table); ``nightly_sources`` is what the nightly job collects:
the public sources, plus ``play-api`` beside ``play`` (both store one row per reviewId), and
``appstore-api`` instead of ``appstore`` (it lists every review of every territory under the id a
reply needs, where the public feed has other ids and would store the same review again).
Collecting never posts anything: replies are sent by a person (``suara reply send --yes``).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ingest.http import SourceError
from reply.clients import CredentialsError, PostError

# owner's source -> (its suara.toml table under [reply], the environment variables of its credentials)
CREDENTIALS = {
    "play-api": ("play", ("SUARA_PLAY_SERVICE_ACCOUNT",)),
    "appstore-api": ("appstore", ("SUARA_ASC_KEY_ID", "SUARA_ASC_ISSUER_ID", "SUARA_ASC_PRIVATE_KEY_FILE")),
}
REPLACES = {"play-api": None, "appstore-api": "appstore"}  # the public source an owner's source supersedes


def configured(settings) -> list[str]:
    """The owner's sources whose credentials are set (complete or not: a gap fails that source, in one line)."""
    extra = settings.extra if isinstance(settings.extra, dict) else {}
    tables = extra.get("reply", {}) if isinstance(extra.get("reply", {}), dict) else {}
    return [
        name
        for name, (table, env) in CREDENTIALS.items()
        if any(os.environ.get(var) for var in env) or bool(tables.get(table))
    ]


def nightly_sources(settings, public: tuple[str, ...]) -> list[str]:
    """``public`` with the configured owner's sources: play-api after play, appstore-api for appstore."""
    names = list(public)
    for name in configured(settings):
        gone = REPLACES[name]
        if gone in names:
            names[names.index(gone)] = name
        else:
            names.append(name)
    return names


class Reader:
    """An official API client made on first use; ``failures`` counts failed HTTP attempts for the run."""

    def __init__(self, build: Callable[[], object], client=None):
        self._build, self._client = build, client

    @property
    def failures(self) -> int:
        return getattr(self._client, "failures", 0)

    @property
    def client(self):
        if self._client is None:
            try:
                self._client = self._build()
            except CredentialsError as exc:
                raise SourceError(str(exc)) from None
        return self._client

    def call(self, method: str, *args, **kwargs):
        """``client.<method>(...)``; the client's ``PostError`` (one line, retries spent) as a SourceError."""
        try:
            return getattr(self.client, method)(*args, **kwargs)
        except PostError as exc:
            raise SourceError(str(exc)) from None
