"""What the owner's review sources (ingest/play_api.py, ingest/appstore_api.py) share: the official API
client behind ``ingest.collect``'s fetcher interface.

The clients themselves (credentials, JWT, retries with backoff on 429/5xx) are reply/clients.py's, the
same ones that post replies, so reading and replying authenticate one way. ``Reader`` builds its client
on the first request, inside the collect run, so missing or unreadable credentials fail that source
with the client's one-line message (naming the variable to set, never the key) instead of stopping
the other sources; every API failure becomes a ``SourceError`` the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.http import SourceError
from reply.clients import CredentialsError, PostError


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
