"""Run one source for one app into the store: the client, the retry policy, a runs row, the result.

``collect`` wires a source module (ingest/playstore.py, appstore.py, twitter.py: streams of pages) to
the reading of its streams into the store (ingest/incremental.py: batches, the incremental rule,
saved state, gaps and warnings) and records the run. Options come from ``[collect]`` in suara.toml.

A source failure (retries spent, the service refusing, a changed format, a missing token) marks that
source's run failed and returns, with its cursor (backfill token, watermark) where the last stored
page left it; the caller goes on with the next source. Only a database problem raises.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ingest import appstore, appstore_api, http, instagram, play_api, playstore, twitter
from ingest.incremental import REREAD_DAYS, StreamRun
from ingest.source import FormatChanged, SourceError
from suara.config import AppConfig, ConfigError, Settings
from suara.redact import scrub
from suara.store import Store, StoreError

log = logging.getLogger(__name__)

# CLI name -> source module; each has SOURCE and streams(fetcher, app, state, full=, max_items=), where
# state(key, scope="") reads the source's saved state. The owner's API sources (credentials needed)
# also have reader(settings, app, client): their fetcher is the official API client (ingest/owner_api.py)
SOURCES = {
    "play": playstore,
    "appstore": appstore,
    "twitter": twitter,
    "play-api": play_api,
    "appstore-api": appstore_api,
    "instagram": instagram,
}
PUBLIC_SOURCES = ("play", "appstore", "twitter")  # what `--source all` runs: no owner's credentials
OPT_IN = ("instagram",)  # `--source all` and the nightly run these only for the apps that configure them
# the AppConfig field a source needs; an app without it is skipped for that source
NEEDS = {
    "play": "play_package",
    "appstore": "appstore_id",
    "twitter": "twitter_query",
    "play-api": "play_package",
    "appstore-api": "appstore_id",
    "instagram": "instagram_user_id",
}


def default_sources(app: AppConfig) -> list[str]:
    """What `--source all` and the nightly run for ``app``: the public sources, and the opt-in ones it configures."""
    return [*PUBLIC_SOURCES, *(name for name in OPT_IN if getattr(app, NEEDS[name]))]


@dataclass
class SourceResult:
    """What one source did for one app; ``status`` is success, failed, skipped (not configured) or dry-run."""

    source: str
    app_id: str
    status: str = "success"
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    duplicates: int = 0  # items another stream of this run (another language) had read
    errors: int = 0  # failed HTTP attempts, retried or not
    notes: list[str] = field(default_factory=list)  # why each stream stopped, gaps
    skip_reasons: Counter = field(default_factory=Counter)
    message: str = ""  # the failure, or why the source was skipped
    run_id: int | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def detail(self) -> str:
        parts = list(self.notes)
        if self.skip_reasons:
            parts.append("skipped: " + ", ".join(f"{r} ({n})" for r, n in self.skip_reasons.most_common(3)))
        if self.message:
            parts.insert(0, self.message)
        return "; ".join(parts)

    def summary(self) -> str:
        """One line for the terminal and the nightly log (no personal data: counts and reasons only)."""
        head = f"{self.source}/{self.app_id}"
        if self.status == "skipped":
            return f"{head}: skipped ({self.message})"
        verb = "would be " if self.status == "dry-run" else ""
        counts = (
            f"{self.fetched} fetched, {verb}{self.new} new, {verb}{self.updated} updated, "
            f"{self.skipped} skipped, {self.errors} errors"
        )
        detail = self.detail()
        return f"{head}: {counts} [{self.status}]" + (f": {detail}" if detail else "")


def collect(
    store: Store | None,
    settings: Settings,
    app: AppConfig,
    source: str,
    *,
    max_items: int | None = None,
    full: bool = False,
    dry_run: bool = False,
    client=None,
    policy: http.RetryPolicy | None = None,
    console: Console | None = None,
) -> SourceResult:
    """Collect ``source`` (a key of ``SOURCES``) for ``app`` into ``store``; never raises for a source
    failure (the result says ``failed``), only for a database problem (``StoreError``).

    ``client``: an httpx.Client to use (tests pass one with an ``httpx.MockTransport``); by default one is
    made by ``ingest.http.make_client`` and closed at the end. For the owner's API sources it is the
    reply/clients.py client instead (PlayClient, AppStoreClient); by default made from the credentials. ``policy``: retry policy (tests inject a
    no-op ``sleep``); by default from ``[collect]`` in suara.toml. ``dry_run``: fetch and count, write
    nothing (``store`` may then be None). ``console``: where the progress bar and summary line go.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if store is None and not dry_run:
        raise ValueError("a store is needed unless dry_run")
    module = SOURCES[source]
    result = SourceResult(module.SOURCE, app.key, status="dry-run" if dry_run else "success")
    if not getattr(app, NEEDS[source]):
        result.status, result.message = "skipped", f"no {NEEDS[source]} configured for app '{app.key}'"
        _say(console, result)
        return result

    options = collect_options(settings)
    run = StreamRun(store, module.SOURCE, app.key, result, write=not dry_run, reread_days=options.reread_days)
    if hasattr(module, "reader"):  # the official API client, built on the first request
        own_client, fetcher = False, module.reader(settings, app, client)
    else:
        own_client = client is None
        client = client or http.make_client(timeout=options.timeout)
        fetcher = http.Fetcher(client, policy or options.policy)
    try:
        with _progress(console, f"{module.SOURCE} {app.key}") as advance:
            extra = {"settings": settings} if getattr(module, "NEEDS_SETTINGS", False) else {}
            for stream in module.streams(fetcher, app, run.get, full=full, max_items=max_items, **extra):
                if not run.read(stream, full=full, max_items=max_items, advance=advance):
                    break  # max_items reached
    except SourceError as exc:
        result.status, result.message = "failed", str(exc)
        if isinstance(exc, FormatChanged) and exc.page:  # count the rejected page; none of it is stored
            result.fetched += exc.page.fetched
            result.skipped += len(exc.page.skipped)
            result.skip_reasons.update(exc.page.skipped)
    except (StoreError, duckdb.Error) as exc:  # the database, not the source: stop everything
        run.abandon(fetcher.failures, str(exc))
        if isinstance(exc, StoreError):
            raise
        raise StoreError(f"database {store.path}: {exc}") from exc
    except Exception as exc:  # a bug or an unforeseen response: fail this source, keep the others going
        log.exception("%s/%s: unexpected error", module.SOURCE, app.key)
        result.status, result.message = "failed", f"unexpected {type(exc).__name__}: {exc}"
    except BaseException:  # Ctrl-C or a kill: leave no run marked "running"
        run.abandon(fetcher.failures, "interrupted")
        raise
    finally:
        if own_client:
            client.close()
    result.errors = fetcher.failures
    run.finish(result.status, result.detail())
    _say(console, result)
    return result


@dataclass(frozen=True)
class Options:
    policy: http.RetryPolicy
    timeout: float  # per network read
    reread_days: float  # the re-read window of the incremental rule


def collect_options(settings: Settings) -> Options:
    """Retry policy, timeouts and the re-read window from the optional ``[collect]`` table of suara.toml."""
    raw = settings.extra.get("collect", {}) if isinstance(settings.extra, dict) else {}
    where = settings.config_path or "suara.toml"

    def number(key: str, default: float, zero: bool = False) -> float:
        value = raw.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value < 0
            or (value == 0 and not zero)
        ):
            kind = "a number >= 0" if zero else "a positive number"
            raise ConfigError(f"{where}: [collect] {key} must be {kind}, not {value!r}")
        return value

    policy = http.RetryPolicy(
        attempts=int(number("attempts", 5)),
        max_wait=number("max_wait_seconds", 900),
        deadline=number("deadline_seconds", http.DEADLINE_SECONDS),
    )
    return Options(
        policy, number("timeout_seconds", http.TIMEOUT_SECONDS), number("reread_days", REREAD_DAYS, zero=True)
    )


@contextmanager
def _progress(console: Console | None, label: str) -> Iterator[Callable[[int], None]]:
    if console is None:
        yield lambda n: None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} fetched"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda n: bar.advance(task, n)


def _say(console: Console | None, result: SourceResult) -> None:
    if console is not None:
        console.print(scrub(result.summary()), markup=False, highlight=False, soft_wrap=True)
