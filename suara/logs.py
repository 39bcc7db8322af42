"""Logging for unattended runs: readable lines on stderr, optional JSON lines in a rotating file.

Every record passes through ``PiiFilter`` before any handler writes it: the message (with its
arguments) and any traceback go through ``suara.redact.scrub`` (personal data masked, every form of
the secret environment values, the X bearer token and the webhook URLs, replaced), so neither
citizens' personal data nor credentials reach a log file, whoever logs what.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path

from suara.redact import scrub

_MARK = "_suara_handler"
# Libraries that log full request URLs (a webhook URL is a credential) stay at WARNING.
_QUIET = ("httpx", "httpcore", "urllib3")


class PiiFilter(logging.Filter):
    """Rewrite each record's message and traceback with personal data and secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_suara_scrubbed", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the template, drop the arguments
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        record._suara_scrubbed = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def reset_logging() -> None:
    """Remove the handlers ``setup_logging`` installed (tests; a process that reconfigures)."""
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(h)
        h.close()


def setup_logging(
    level: int | str = logging.INFO,
    json_file: str | Path | None = None,
    max_bytes: int = 10_000_000,
    backup_count: int = 5,
    stream=None,
) -> logging.Logger:
    """Configure the root logger (idempotent: calling again replaces Suara's handlers)."""
    reset_logging()
    root = logging.getLogger()
    handlers: list[logging.Handler] = []
    console = logging.StreamHandler(stream or sys.stderr)
    console.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
    handlers.append(console)
    if json_file:
        path = Path(json_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        rotating = logging.handlers.RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
        )
        rotating.setFormatter(JsonFormatter())
        handlers.append(rotating)
    for h in handlers:
        h.addFilter(PiiFilter())
        setattr(h, _MARK, True)
        root.addHandler(h)
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return root
