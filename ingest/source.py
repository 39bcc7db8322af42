"""What every source yields: streams of pages of normalized records, and how a page is read item by item.

A source (playstore, appstore, twitter) knows its service's URLs and wire format; ``ingest.collect``
owns everything else (the store, incremental stops, state, counts), so the three stay small and alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ingest.http import SourceError
from suara.records import normalize


class FormatChanged(SourceError):
    """A response the parser cannot read as a whole: the service changed its format (or cut the body)."""

    def __init__(self, message: str, page: Page | None = None):
        super().__init__(message)
        self.page = page  # the page read so far, for the run's counts; none of it is stored


@dataclass
class Page:
    """One response's worth of records, normalized and ready for ``Store.upsert_feedback``."""

    number: int
    records: list[dict]
    skipped: list[str] = field(default_factory=list)  # one reason per unreadable item
    cursor: str | None = None  # where the next page starts (Play's continuation token, X's next_token)
    state: dict[str, str | None] = field(default_factory=dict)  # persist once this page is committed
    final_state: dict[str, str | None] = field(default_factory=dict)  # persist when the stream completes
    at_limit: bool = False  # the service offers no page after this one, though older items may exist

    @property
    def fetched(self) -> int:
        return len(self.records) + len(self.skipped)


@dataclass
class Stream:
    """A sequence of pages, newest first; ``scope`` (e.g. an App Store country) keys its saved state."""

    scope: str
    pages: Iterator[Page]
    from_top: bool = True  # False when resuming in the middle: the stream cannot move the watermark
    # True where an empty first page is suspicious once a run has read items (a store's reviews; not
    # X's search, which has nothing new on a quiet day): ingest.collect then records a warning
    expect_items: bool = False


def read_items(number: int, items: Iterable, parse: Callable[[object], dict], what: str) -> Page:
    """Parse each item into a record; skip unreadable ones with their reason; fail if most are unreadable.

    More than half of a page unreadable means the format changed: storing the readable rest would
    silently lose data, so the source fails loudly instead.
    """
    page = Page(number=number, records=[])
    for item in items:
        try:
            page.records.append(normalize(parse(item)))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            page.skipped.append(reason(exc))
    if page.skipped and len(page.skipped) * 2 > page.fetched:
        common = max(set(page.skipped), key=page.skipped.count)
        raise FormatChanged(
            f"{what} page {number}: {len(page.skipped)} of {page.fetched} items unreadable ({common}); "
            "the service's format has probably changed: update the parser in ingest/",
            page=page,
        )
    return page


def reason(exc: Exception) -> str:
    """A short, data-free reason for a skipped item (no review text ever goes into it)."""
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}" if exc.args else "missing field"
    if isinstance(exc, IndexError):
        return "missing field (array too short)"
    if isinstance(exc, ValueError):
        return str(exc)
    return f"unexpected shape ({type(exc).__name__})"
