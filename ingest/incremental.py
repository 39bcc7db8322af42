"""Reading a source's streams into the store: batches of whole pages, the incremental rule, saved state.

Pages are stored in batches (``BATCH_RECORDS``), each batch one transaction of whole pages
(``Store.upsert_feedback``): a failure keeps every page read before it and never half a page. A page's
saved state (a backfill's continuation token) is written only after its batch commits, so an
interrupted run resumes at the first page not stored.

Incremental rule (without ``full``): stop after a page whose every record was already stored, with the
same content and the same reply, before this run, once the page reaches back to the stream's watermark
(the newest ``created_at`` of the last run that read its stream to the end or to stored data) and past
the re-read window (``[collect] reread_days``, 14 by default, counted back from the stream's newest
item): replies and edits to recent reviews are read again. The watermark is written only when a run
completes its stream, and a stream without one never stops early: a failed or killed run (the first
one too, or the first after `suara import`) leaves no hole, the next run walks past what the failed
one committed until it meets what a completed run saw, or reads to the end. ``max_items`` bounds a
run (it stops after the page that reaches it).

Gaps and warnings (ingest/health.py) are kept in source_state per stream and shown by `suara status`
and `suara doctor`: a feed that ended before the stored items, an empty first page where a completed
run read items before (the App Store's feed is reported to do that).

Several streams of one source (Play's languages) may list the same item: it is stored once, by the
first stream that read it in this run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ingest import health
from ingest.source import Page, SourceError, Stream
from suara.feedback_batch import content_hash, to_batch_table
from suara.store import Store

if TYPE_CHECKING:
    from ingest.collect import SourceResult

log = logging.getLogger(__name__)

# Pages are stored together up to this many records, one transaction per batch: each upsert scans the
# feedback table, so a batch per page would make a large store, not the network, the nightly's cost.
BATCH_RECORDS = 5000
REREAD_DAYS = 14


def scoped(key: str, scope: str) -> str:
    return f"{key}:{scope}" if scope else key


class StreamRun:
    """The bookkeeping of one source run: the runs row, source_state, counts; no writes in a dry run."""

    def __init__(
        self,
        store: Store | None,
        source: str,
        app_id: str,
        result: SourceResult,
        write: bool,
        reread_days: float,
    ):
        self.store, self.source, self.app_id, self.result, self.write = store, source, app_id, result, write
        self.reread = timedelta(days=reread_days)
        # ids read by this run: for the stop rule they are not "stored before this run"
        self.seen: set[str] = set()
        if write:
            result.run_id = store.start_run("collect", source, app_id)

    def get(self, key: str, scope: str = "") -> str | None:
        return self.store.get_state(self.source, self.app_id, scoped(key, scope)) if self.store else None

    def set(self, key: str, value: str | None, scope: str = "") -> None:
        if self.write:
            self.store.set_state(self.source, self.app_id, scoped(key, scope), value)

    def finish(self, status: str, message: str) -> None:
        r = self.result
        if self.write:
            self.store.finish_run(
                r.run_id,
                status,
                message or None,
                fetched=r.fetched,
                new=r.new,
                updated=r.updated,
                skipped=r.skipped,
                errors=r.errors,
            )

    def abandon(self, failures: int, message: str) -> None:
        """Best effort to mark the run failed on the way out of an interruption or a database error."""
        self.result.status, self.result.errors = "failed", failures
        try:
            self.finish("failed", message)
        except Exception:  # the database may be the problem; the original error is what matters
            log.warning("%s/%s: could not mark run %s failed", self.source, self.app_id, self.result.run_id)

    def read(
        self, stream: Stream, *, full: bool, max_items: int | None, advance: Callable[[int], None]
    ) -> bool:
        """Store a stream until the stop rule, its end or ``max_items`` (then return False)."""
        r = self.result
        label = f"{stream.scope}: " if stream.scope else ""
        saved = self.get("watermark", stream.scope)
        watermark = datetime.fromisoformat(saved) if saved else None  # set by a run that completed
        earlier = frozenset(self.seen)  # read by another stream of this run
        newest = oldest = last = None
        pending: list[Page] = []
        final: dict[str, str | None] = {}
        outcome, duplicates = "end", 0
        try:
            for page in stream.pages:
                last = page
                r.fetched += page.fetched
                r.skipped += len(page.skipped)
                r.skip_reasons.update(page.skipped)
                advance(page.fetched)
                if page.number == 1 and stream.expect_items:
                    self._check_first_page(stream.scope, page, watermark)
                if earlier and page.records:
                    kept = [rec for rec in page.records if f"{self.source}:{rec['native_id']}" not in earlier]
                    duplicates += len(page.records) - len(kept)
                    page.records = kept
                page_oldest = None
                if page.records:
                    times = [rec["created_at"] for rec in page.records]
                    page_oldest = min(times)
                    newest = max(times) if newest is None else max(newest, max(times))
                    oldest = page_oldest if oldest is None else min(oldest, page_oldest)
                # The stop rule can fire only on a page reaching back to a completed run's watermark and
                # past the re-read window: check only those.
                may_stop = (
                    not full
                    and watermark is not None
                    and page_oldest is not None
                    and page_oldest <= watermark
                    and page_oldest < newest - self.reread
                )
                already = self._already_stored(page) if may_stop or not self.write else False
                self.seen.update(f"{self.source}:{rec['native_id']}" for rec in page.records)
                pending.append(page)
                final.update(page.final_state)
                if sum(len(p.records) for p in pending) >= BATCH_RECORDS:
                    self._commit(pending, stream.scope)
                if may_stop and already:
                    r.notes.append(f"{label}reached stored items on page {page.number}")
                    outcome = "stored"
                    break
                if max_items is not None and r.fetched >= max_items:
                    behind = "" if full or watermark is None else "; older new items wait for the next run"
                    r.notes.append(f"{label}stopped at --max {max_items} on page {page.number}{behind}")
                    outcome = "max"
                    break
        except SourceError:
            self._commit(pending, stream.scope)  # whole pages read before the failure are kept
            r.notes.append(f"{label}{self._kept(stream, full, watermark, oldest)}")
            raise
        finally:
            r.duplicates += duplicates
            if duplicates:
                r.notes.append(f"{label}{duplicates} items already read in another stream of this run")
        self._commit(pending, stream.scope)
        if outcome == "max":
            return False
        if outcome == "end":
            r.notes.append(f"{label}end of the feed after page {last.number if last else 0}")
            if last is not None and last.at_limit and watermark and oldest and oldest > watermark:
                self._record_gap(stream.scope, watermark, oldest)
        for key, value in final.items():
            self.set(key, value, stream.scope)
        if stream.from_top and newest and (watermark is None or newest > watermark):
            self.set("watermark", newest.isoformat(), stream.scope)
        return True

    def _kept(self, stream: Stream, full: bool, watermark: datetime | None, oldest: datetime | None) -> str:
        """What a failed stream leaves for the next run (for the run's message)."""
        read = f"stored back to {oldest.isoformat()}; " if oldest else ""
        if full:
            return f"{read}the backfill token stays at the last stored page: the next --full resumes there"
        if watermark is None:
            return f"{read}no completed run yet: the next run reads on past the stored pages to the end"
        return f"{read}the watermark stays at {watermark.isoformat()}: the next run reads on to it"

    def _check_first_page(self, scope: str, page: Page, watermark: datetime | None) -> None:
        """An empty first page where a completed run read items is a warning; a page with items clears it."""
        if page.fetched == 0 and watermark is not None:
            text = health.record_warning(
                lambda key, value: self.set(key, value, scope),
                f"the first page was empty, though a completed run read items up to {watermark.isoformat()}; "
                "the feed may be failing: compare with the store's page",
            )
            self.result.notes.append(f"{scope + ': ' if scope else ''}WARNING: {text}")
        elif page.fetched and self.get("warning", scope):
            self.set("warning", None, scope)

    def _record_gap(self, scope: str, watermark: datetime, oldest: datetime) -> None:
        """The feed ended (App Store: page 10) before reaching what was stored: some items may be lost."""
        gap = health.record_gap(lambda key, value: self.set(key, value, scope), watermark, oldest)
        self.result.notes.append(
            f"{scope + ': ' if scope else ''}GAP: the feed ends before the stored items; items between "
            f"{gap['after']} and {gap['before']} may be missing (collect more often)"
        )

    def _already_stored(self, page: Page) -> bool:
        """True if every record of the page was stored before this run, with the same content and reply."""
        if not page.records:
            return False
        ids = [f"{self.source}:{rec['native_id']}" for rec in page.records]
        known = _stored(self.store, list(set(ids))) if self.store else {}
        versions = [
            (content_hash(rec["title"], rec["text"], rec["rating"]), rec.get("reply_text"))
            for rec in page.records
        ]
        already = all(known.get(i) == v and i not in self.seen for i, v in zip(ids, versions, strict=True))
        if not self.write:  # a dry run counts what a real run would write
            fresh = {i: v for i, v in zip(ids, versions, strict=True) if i not in self.seen}
            self.result.new += sum(1 for i in fresh if i not in known)
            self.result.updated += sum(1 for i, v in fresh.items() if i in known and known[i] != v)
        return already

    def _commit(self, pending: list[Page], scope: str) -> None:
        """Upsert the pending pages in one transaction, then save their state; empties ``pending``."""
        records = [rec for page in pending for rec in page.records]
        if self.write and records:
            counts = self.store.upsert_feedback(to_batch_table(records, self.store.salt, validated=True))
            self.result.new += counts.new
            self.result.updated += counts.updated
            self.result.unchanged += counts.unchanged
        for page in pending:
            for key, value in page.state.items():
                self.set(key, value, scope)
        pending.clear()


def _stored(store: Store, ids: list[str]) -> dict[str, tuple[str, str | None]]:
    """(content_hash, reply_text) of the given feedback ids that are stored: what the stop rule compares."""
    rows = store.con.execute(
        "SELECT id, content_hash, reply_text FROM feedback WHERE id IN (SELECT unnest($ids))", {"ids": ids}
    ).fetchall()
    return {i: (h, reply) for i, h, reply in rows}
