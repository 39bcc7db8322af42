"""One path for every text that leaves the store: personal data masked, secrets scrubbed.

``scrub`` is applied wherever Suara writes or sends a message: the log handlers (suara/logs.py), the
``runs.message`` column (``Store.finish_run``), the nightly's step notes, the digest, the webhook and
the CLI's error line. Secrets go first (every form of them, suara/credentials.py), then ``nlp.pii.mask``
(NIK/KK, phones, e-mails, passports), so a token that happens to contain digits is replaced whole.
"""

from __future__ import annotations

from nlp.pii import mask
from suara.credentials import scrub_secrets


def scrub(text: str | None) -> str:
    """``text`` with secret values and personal data replaced by placeholders ("" for None)."""
    if not text:
        return ""
    return mask(scrub_secrets(text)) or ""


def one_line(exc: BaseException, limit: int = 500) -> str:
    """An exception as one scrubbed line, for a run's message or a log (scrubbed before it is folded and
    cut, so no part of a secret or a personal detail survives either step)."""
    text = " ".join(scrub(str(exc)).split()) or type(exc).__name__
    return text[:limit]
