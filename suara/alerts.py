"""Spike and version-jump alerts over SQL aggregates, stored once per episode, optionally sent to a webhook.

Spikes. Per app and headline category, the complaints in the last day (24 h before ``as_of``) and in
the last 7 days are compared with a baseline: the 8 weeks (56 days) just before that window. If the
category's daily rate had not changed, the window's count given the baseline count B follows a
negative binomial: a Poisson count whose rate is only known through B (Gamma posterior, Jeffreys
prior), so ``nbinom(B + 0.5, 56 / (56 + w))`` for a window of w days. Real complaint series vary more
from day to day than a Poisson does, so counts are divided by the baseline's dispersion (variance /
mean of its daily counts, at least 1) first, the quasi-Poisson way. An alert needs the count above that
distribution's 99.9% quantile and at least ``min_count`` complaints, so 1 -> 3 is never an alert.
An app with less than two weeks of history gets no spike alerts (no baseline yet); with less than
8 weeks, the baseline is the history it has.

Version jumps. Per app, the newest version's share of feedback with each headline category against
the previous version's, with a one-sided two-proportion z-test at the same level and ``min_count``.

Deduplication. A candidate continues an existing alert of the same kind, app, category (and version)
when their periods overlap or touch (within ``EPISODE_GAP``): the stored alert is extended, not
repeated, so a surge that lasts a week is one alert, not seven. Its ``alert_id`` is the kind, app,
category, version and the episode's start, so running the same night twice stores nothing new.

History. ``evaluate`` is the one rule, given an "as of" time. The nightly step evaluates it as of now;
``detect_since`` (`suara alerts --since DATE`) evaluates it as of each week since DATE, so a fresh
import or the demo shows its past surges too. A day spike is then seen only in each week's last 24 h.

Sending. New alerts go to ``$SUARA_WEBHOOK_URL`` as one ``{"text": ...}`` POST; the text passes
through ``suara.redact.scrub`` like every outbound text, and the URL (a credential) is never logged.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
import numpy as np
from scipy import stats

from suara.redact import scrub
from suara.store import Store, first_row, utcnow
from suara.taxonomy import Taxonomy, load_taxonomy

log = logging.getLogger(__name__)

ALPHA = 0.001
BASELINE_DAYS = 56
MIN_BASELINE_DAYS = 14  # less history than this: no spike alerts yet
WINDOWS = {"spike_day": 1, "spike_week": 7}
EPISODE_GAP = timedelta(hours=12)
RESEND_DAYS = 7  # alerts a failed webhook did not deliver are retried for this long
WEBHOOK_ENV = "SUARA_WEBHOOK_URL"
HISTORY_STEP = timedelta(days=7)  # `suara alerts --since`: one evaluation a week


@dataclass
class Alert:
    """One alert; the fields are the columns of the ``alerts`` table, in order, after ``alert_id``."""

    kind: str  # spike_day, spike_week, version_jump
    app_id: str
    category: str
    app_version: str | None
    period_start: datetime
    period_end: datetime
    observed: float  # a count, or the new version's share
    expected: float  # from the baseline, or the previous version's share
    threshold: float  # what ``observed`` had to exceed
    message: str

    @property
    def alert_id(self) -> str:
        """The dedup key: kind, app, category, version and the start of the episode."""
        version = self.app_version or "-"
        return f"{self.kind}:{self.app_id}:{self.category}:{version}:{self.period_start:%Y-%m-%dT%H:%M}"


# -- the statistics (pure functions, tested on generated series) --------------------------------
def dispersion(daily: np.ndarray) -> float:
    """Variance / mean of daily counts, at least 1 (a Poisson series gives about 1)."""
    mean = float(daily.mean()) if len(daily) else 0.0
    if mean <= 0 or len(daily) < 2:
        return 1.0
    return max(1.0, float(daily.var(ddof=1)) / mean)


def spike_threshold(
    baseline_total: float, baseline_days: int, window_days: int, phi: float = 1.0, alpha: float = ALPHA
) -> float:
    """The count a window may reach before it is surprising at level ``alpha`` (see the module doc)."""
    p = baseline_days / (baseline_days + window_days)
    return phi * float(stats.nbinom.ppf(1 - alpha, baseline_total / phi + 0.5, p))


def share_z(x1: int, n1: int, x0: int, n0: int) -> float:
    """One-sided two-proportion z statistic (pooled) for share x1/n1 above x0/n0."""
    pooled = (x1 + x0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0)) if 0 < pooled < 1 else 0.0
    if se == 0:
        return 0.0
    return (x1 / n1 - x0 / n0) / se


def share_threshold(n1: int, x0: int, n0: int, alpha: float = ALPHA) -> float:
    """The smallest share of the new version that the z-test would call a jump (1.0 if none)."""
    crit = stats.norm.ppf(1 - alpha)
    lo, hi = 0, n1 + 1  # smallest x in [0, n1] with z > crit, or n1 + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if share_z(mid, n1, x0, n0) > crit:
            hi = mid
        else:
            lo = mid + 1
    return min(lo, n1) / n1


def version_key(version: str) -> tuple:
    """Natural order of version strings: 7.3.10 after 7.3.9."""
    return tuple(int(x) for x in re.findall(r"\d+", version)) or (0,)


# -- detection over the store -------------------------------------------------------------------
def _label(tax: Taxonomy, category: str) -> str:
    try:
        return tax.get(category).label_en
    except KeyError:
        return category


def _app_names(settings_apps) -> dict[str, str]:
    return {a.key: a.name for a in settings_apps or ()}


def detect_spikes(
    store: Store,
    as_of: datetime,
    min_count: int,
    tax: Taxonomy | None = None,
    app_names: dict[str, str] | None = None,
    alpha: float = ALPHA,
) -> list[Alert]:
    tax = tax or load_taxonomy()
    names = app_names or {}
    span = BASELINE_DAYS + max(WINDOWS.values())
    rows = store.con.execute(
        """
        SELECT f.app_id, e.category,
               CAST(date_diff('second', f.created_at, $as_of) // 86400 AS INTEGER) AS bucket, count(*) AS n
        FROM feedback f JOIN effective_labels e ON e.feedback_seq = f.seq
        WHERE f.created_at >= $start AND f.created_at < $as_of AND e.category IN (SELECT unnest($cats))
        GROUP BY ALL
        """,
        {"as_of": as_of, "start": as_of - timedelta(days=span), "cats": tax.headline_ids},
    ).fetchall()
    series: dict[tuple[str, str], np.ndarray] = {}
    for app_id, category, bucket, n in rows:
        series.setdefault((app_id, category), np.zeros(span, dtype=float))[bucket] = n
    # Days of history per app: a young database (the first nights, a new app) has no baseline yet,
    # and an empty baseline would make every count look like a surge.
    first = dict(store.con.execute("SELECT app_id, min(created_at) FROM feedback GROUP BY app_id").fetchall())
    found = []
    for (app_id, category), daily in sorted(series.items()):
        history = (as_of - first[app_id]).total_seconds() / 86400
        for kind, w in WINDOWS.items():
            observed = float(daily[:w].sum())
            days = int(min(BASELINE_DAYS, history - w))  # whole baseline days with data
            if observed < min_count or days < MIN_BASELINE_DAYS:
                continue
            base = daily[w : w + days]
            total = float(base.sum())
            threshold = spike_threshold(total, days, w, dispersion(base), alpha)
            if observed <= threshold:
                continue
            expected = total * w / days
            start = as_of - timedelta(days=w)
            when = "the last 24 h" if w == 1 else f"the last {w} days"
            before = "the previous 8 weeks" if days == BASELINE_DAYS else f"the previous {days} days"
            message = (
                f"{names.get(app_id, app_id)}: {observed:.0f} '{_label(tax, category)}' complaints in {when}, "
                f"expected about {expected:.1f} from {before} (alert above {threshold:.0f})"
            )
            found.append(
                Alert(kind, app_id, category, None, start, as_of, observed, expected, threshold, message)
            )
    return found


def detect_version_jumps(
    store: Store,
    as_of: datetime,
    min_count: int,
    tax: Taxonomy | None = None,
    app_names: dict[str, str] | None = None,
    alpha: float = ALPHA,
) -> list[Alert]:
    tax = tax or load_taxonomy()
    names = app_names or {}
    # The two newest versions per app, from feedback alone (cheap); then counts for those versions only.
    seen = store.con.execute(
        "SELECT app_id, app_version, min(created_at) FROM feedback "
        "WHERE app_version IS NOT NULL AND created_at < $as_of GROUP BY ALL",
        {"as_of": as_of},
    ).fetchall()
    ordered: dict[str, list[tuple[str, datetime]]] = {}
    for app_id, version, first_seen in sorted(seen, key=lambda r: (version_key(r[1]), r[2])):
        ordered.setdefault(app_id, []).append((version, first_seen))
    pairs = {app_id: (vs[-2], vs[-1]) for app_id, vs in ordered.items() if len(vs) >= 2}
    if not pairs:
        return []
    rows = store.con.execute(
        """
        WITH items AS (
            SELECT f.seq, f.app_id, f.app_version FROM feedback f JOIN classifications c ON c.feedback_seq = f.seq
            WHERE f.app_version IN (SELECT unnest($versions)) AND f.created_at < $as_of
        )
        SELECT app_id, app_version, NULL AS category, count(*) FROM items GROUP BY ALL
        UNION ALL
        SELECT i.app_id, i.app_version, e.category, count(*)
        FROM items i JOIN effective_labels e ON e.feedback_seq = i.seq
        WHERE e.category IN (SELECT unnest($cats))
        GROUP BY ALL
        """,
        {
            "versions": sorted({v for p in pairs.values() for v, _ in p}),
            "as_of": as_of,
            "cats": tax.headline_ids,
        },
    ).fetchall()
    counts = {(app_id, version, category): n for app_id, version, category, n in rows}  # category None: all
    crit = stats.norm.ppf(1 - alpha)
    found = []
    for app_id, ((old, _), (new, first_seen)) in sorted(pairs.items()):
        n0, n1 = counts.get((app_id, old, None), 0), counts.get((app_id, new, None), 0)
        if n0 < min_count or n1 < min_count:
            continue
        for category in tax.headline_ids:
            x1, x0 = counts.get((app_id, new, category), 0), counts.get((app_id, old, category), 0)
            if x1 < min_count or share_z(x1, n1, x0, n0) <= crit:
                continue
            threshold = share_threshold(n1, x0, n0, alpha)
            message = (
                f"{names.get(app_id, app_id)} version {new}: {x1 / n1:.0%} of its feedback is "
                f"'{_label(tax, category)}' ({x1} of {n1}), against {x0 / n0:.0%} in version {old} "
                f"({x0} of {n0})"
            )
            shares = (x1 / n1, x0 / n0, threshold)
            found.append(Alert("version_jump", app_id, category, new, first_seen, as_of, *shares, message))
    return found


def record(store: Store, candidates: list[Alert], now: datetime | None = None) -> list[Alert]:
    """Store the candidates that start a new episode; extend the ones that continue one. Returns the new."""
    now = now or utcnow()
    new = []
    with store.transaction() as con:
        for a in candidates:
            # The episode this candidate overlaps or touches (the latest, if it bridges two): not simply
            # the latest episode, so re-evaluating an old week finds that week's episode again.
            last = first_row(
                con,
                """
                SELECT alert_id FROM alerts
                WHERE kind = ? AND app_id = ? AND category = ? AND app_version IS NOT DISTINCT FROM ?
                  AND period_end + ? >= ? AND period_start - ? <= ?
                ORDER BY period_end DESC LIMIT 1
                """,
                [
                    a.kind,
                    a.app_id,
                    a.category,
                    a.app_version,
                    EPISODE_GAP,
                    a.period_start,
                    EPISODE_GAP,
                    a.period_end,
                ],
            )
            if last:
                con.execute(
                    "UPDATE alerts SET period_end = greatest(period_end, ?), observed = greatest(observed, ?) "
                    "WHERE alert_id = ?",
                    [a.period_end, a.observed, last[0]],
                )
                continue
            con.execute(
                "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT DO NOTHING",
                [a.alert_id, *astuple(a), now],
            )
            new.append(a)
    return new


def evaluate(
    store: Store, as_of: datetime, min_count: int, tax: Taxonomy, names: dict[str, str], alpha: float = ALPHA
) -> list[Alert]:
    """The one rule: every spike and version jump the data shows as of ``as_of`` (nothing stored)."""
    candidates = detect_spikes(store, as_of, min_count, tax, names, alpha)
    return candidates + detect_version_jumps(store, as_of, min_count, tax, names, alpha)


def detect_and_record(
    store: Store, as_of: datetime | None = None, min_count: int = 5, apps=None, alpha: float = ALPHA
) -> list[Alert]:
    """The nightly step: find spikes and version jumps as of ``as_of`` and store the new ones."""
    as_of = as_of or utcnow()
    new = record(store, evaluate(store, as_of, min_count, load_taxonomy(), _app_names(apps), alpha))
    for a in new:
        log.warning("alert: %s", a.message)
    return new


def detect_since(
    store: Store,
    since: datetime,
    until: datetime | None = None,
    min_count: int = 5,
    apps=None,
    alpha: float = ALPHA,
) -> tuple[list[Alert], int]:
    """Backfill: ``evaluate`` as of each week from ``since`` to ``until`` (default now), oldest first,
    stored like the nightly step's alerts, so an episode that spans weeks is one alert and a second run
    stores nothing. Each alert is stored as created at its "as of" time, the night it would have been
    raised: only the last week's can still count as news for the webhook (``unsent``).
    Returns (the new alerts, the number of weeks evaluated)."""
    until = until or utcnow()
    tax, names = load_taxonomy(), _app_names(apps)
    weeks = math.ceil((until - since) / HISTORY_STEP)
    points = [since + k * HISTORY_STEP for k in range(weeks)] + [until]  # and ``until`` itself last
    new = []
    for as_of in points:
        new += record(store, evaluate(store, as_of, min_count, tax, names, alpha), now=as_of)
    return new, len(points)


# -- the webhook --------------------------------------------------------------------------------
def unsent(store: Store, now: datetime | None = None) -> list[tuple[str, str]]:
    """(alert_id, message) of recent alerts no webhook has delivered yet, oldest first."""
    since = (now or utcnow()) - timedelta(days=RESEND_DAYS)
    return store.con.execute(
        "SELECT alert_id, message FROM alerts WHERE notified_at IS NULL AND created_at >= ? "
        "ORDER BY created_at, alert_id",
        [since],
    ).fetchall()


def mark_notified(store: Store, alert_ids: list[str]) -> None:
    if alert_ids:
        store.con.execute(
            "UPDATE alerts SET notified_at = ? WHERE alert_id IN (SELECT unnest(?))", [utcnow(), alert_ids]
        )


def redact_url(url: str) -> str:
    """A webhook URL is a credential (its path is the secret): keep the scheme and host only."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}/…"


def webhook_text(messages: list[str]) -> str:
    """The payload's text, through the one outbound path (suara/redact.py): personal data masked,
    secrets scrubbed, like the digest and the logs."""
    head = "Suara: 1 new alert" if len(messages) == 1 else f"Suara: {len(messages)} new alerts"
    return "\n".join([head, *(f"• {scrub(m)}" for m in messages)])


def send_webhook(
    url: str, messages: list[str], client: httpx.Client | None = None, timeout: float = 10.0
) -> bool:
    """POST {"text": ...} (Slack, Mattermost and Telegram bridges accept it). Never raises: logs and returns."""
    if not messages:
        return True
    try:
        if client is None:
            with httpx.Client(timeout=timeout) as own:
                response = own.post(url, json={"text": webhook_text(messages)})
        else:
            response = client.post(url, json={"text": webhook_text(messages)})
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        log.warning(
            "webhook %s answered HTTP %s; the alerts stay unsent and are retried next run",
            redact_url(url),
            exc.response.status_code,
        )
        return False
    except (httpx.HTTPError, ValueError) as exc:
        log.warning(
            "webhook %s failed (%s); the alerts stay unsent and are retried next run",
            redact_url(url),
            type(exc).__name__,
        )
        return False
    return True
