"""What the monthly report says, gathered from the store: one calendar month against the one before.

Every figure is an SQL aggregate, and the dashboard's own queries give them wherever it has one
(``dashboard.queries``: the overview's counts, the Kantor ranking, the Versi aplikasi grid and its
jumps, the pages of texts; ``reply.metrics``: the Tanggapan page's response rate and counts per
month), so the report and the dashboard never disagree on a number. What neither has lives here,
once: the average rating and each release's share with any complaint. Example texts are masked here
(``suara.redact.scrub``), before anything is rendered.

"The month before" is the previous calendar month (October for November), not the dashboard's
"period of equal length before", because that is what a monthly report is read against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from dashboard import queries
from dashboard.filters import Filters
from dashboard.queries.base import connect, run, where
from dashboard.queries.pipeline import is_rough
from reply.metrics import breakdown as reply_breakdown
from reply.metrics import once as reply_once
from reply.metrics import summary as reply_summary
from report.months import next_month, previous_month
from suara.redact import scrub
from suara.taxonomy import load_taxonomy

TOP_COMPLAINTS = 5  # categories listed with their examples
EXAMPLES = 2  # example texts per category (most liked first: what many citizens agreed with)
EXAMPLE_CHARS = 280  # an example is cut to this many characters
TOP_OFFICES = 8
RELEASE_MIN = 20  # a release is shown with at least this many texts in the month
TOP_RELEASES = 6
HISTORY = 12  # months in the volume chart, the report's month last


class NoData(Exception):
    """The month has no feedback (in the chosen app): there is nothing to report."""


@dataclass
class Period:
    """The figures of one month: the overview's counts plus rating and replies."""

    start: date
    n: int
    rated: int
    low: int
    complaints: int
    categories: dict[str, int]
    avg_rating: float | None
    answered: int
    replyable: int  # store reviews (X posts cannot be answered from here)
    median_reply_hours: float | None

    @property
    def complaint_share(self) -> float | None:
        return self.complaints / self.n if self.n else None

    @property
    def low_share(self) -> float | None:
        return self.low / self.rated if self.rated else None

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.replyable if self.replyable else None


@dataclass
class Complaint:
    category: str
    n: int
    share: float
    prev_share: float | None
    examples: list[dict] = field(default_factory=list)  # masked: text, rating, source, day
    rough: bool = False  # a rough estimate on real reviews (dashboard/queries/pipeline.py, ``is_rough``)


@dataclass
class MonthReport:
    month: date
    app: str | None
    cur: Period
    prev: Period | None  # None when the month before has no feedback
    complaints: list[Complaint]
    offices: pd.DataFrame  # office_id, name, complaints, mentions, prev_complaints, top_category
    releases: pd.DataFrame  # app_version, total, complaint_share, jumps (category ids, "," joined)
    months: pd.DataFrame  # month ("YYYY-MM"), total: the HISTORY months up to the report's
    data_first: date | None = None
    data_last: date | None = None


def _filters(start: date, app: str | None) -> Filters:
    return Filters(start=start, end=next_month(start), apps=(app,) if app else ())


def _period(db: str | Path, f: Filters) -> Period:
    """The month's figures (the overview page's counts for the month, plus rating and replies)."""
    k = queries.overview(db, f, trend_categories=[])["kpis"]["cur"]
    cond, params = where(f)
    with connect(db) as con:
        avg_rating = run(con, f"SELECT avg(f.rating) FROM feedback f WHERE {cond}", params).fetchone()[0]
        stores = f"{cond} AND f.source IN ('play_store', 'app_store')"
        replies = reply_summary(con, stores, params)
    return Period(
        start=f.start,
        n=k["n"],
        rated=k["rated"],
        low=k["low"],
        complaints=k["complaints"],
        categories=k["categories"],
        avg_rating=avg_rating,
        answered=replies["answered"],
        replyable=replies["n"],
        median_reply_hours=replies["median_hours"],
    )


def _examples(db: str | Path, f: Filters, category: str) -> list[dict]:
    _, rows = queries.texts(db, f, category=category, page_size=EXAMPLES, sort="liked")
    out = []
    for r in rows.itertuples():
        text = scrub(" ".join(x for x in (r.title, r.text) if isinstance(x, str) and x.strip()))
        if len(text) > EXAMPLE_CHARS:
            text = text[: EXAMPLE_CHARS - 1].rstrip() + "…"
        rating = None if pd.isna(r.rating) else int(r.rating)
        out.append({"text": text, "rating": rating, "source": r.source, "day": r.created_at.date()})
    return out


def _offices(db: str | Path, f: Filters, prev: Filters) -> pd.DataFrame:
    from nlp.offices import load_offices

    ranking, per_category = queries.offices(db, f)
    ranking = ranking[ranking["complaints"] > 0].head(TOP_OFFICES)
    if ranking.empty:
        return ranking.assign(name=[], prev_complaints=[], top_category=[])
    before, _ = queries.offices(db, prev)
    names = {o.office_id: o.short_name for o in load_offices()}
    top = per_category.drop_duplicates("office_id").set_index("office_id")["category"]  # n DESC per office
    return ranking.assign(
        name=ranking["office_id"].map(names).fillna(ranking["office_id"]),
        prev_complaints=ranking["office_id"].map(before.set_index("office_id")["complaints"]).fillna(0),
        top_category=ranking["office_id"].map(top),
    ).reset_index(drop=True)


def _releases(db: str | Path, f: Filters, complaint_ids: list[str]) -> pd.DataFrame:
    grid = queries.versions(db, f, complaint_ids, min_count=RELEASE_MIN, limit=TOP_RELEASES)
    if grid.empty:
        return pd.DataFrame(columns=["app_version", "total", "complaint_share", "jumps", "order"])
    per = grid.groupby("app_version").agg(total=("total", "first"), order=("order", "first"))
    jumps = grid[grid["jump"]].groupby("app_version")["category"].agg(",".join)
    with connect(db) as con:  # share of the release's texts with any complaint (distinct texts)
        cond, params = where(f)
        shares = run(
            con,
            f"""
            SELECT f.app_version, count(DISTINCT f.id) FILTER (WHERE l.category IS NOT NULL) / count(DISTINCT f.id)
            FROM feedback f LEFT JOIN effective_labels l
                 ON l.feedback_seq = f.seq AND NOT list_contains($not_complaints, l.category)
            WHERE {cond} AND list_contains($versions, f.app_version) GROUP BY 1
            """,
            {**params, "not_complaints": list(queries.NOT_COMPLAINTS), "versions": list(per.index)},
        ).fetchall()
    per["complaint_share"] = per.index.map(dict(shares))
    per["jumps"] = [jumps.get(v, "") for v in per.index]
    return per.reset_index().sort_values("total", ascending=False, ignore_index=True)


def _months(db: str | Path, month: date, app: str | None) -> pd.DataFrame:
    """Feedback per month over the HISTORY months ending with ``month``, empty months as 0 (the
    per-month count of reply.metrics.breakdown, which the Tanggapan page shows by month too)."""
    first = month
    for _ in range(HISTORY - 1):
        first = previous_month(first)
    f = Filters(start=first, end=next_month(month), apps=(app,) if app else ())
    cond, params = where(f)
    with connect(db) as con:
        per = reply_breakdown(con, "month", cond, params).set_index("value")["n"]
    labels, d = [], first
    for _ in range(HISTORY):
        labels.append(f"{d:%Y-%m}")
        d = next_month(d)
    return pd.DataFrame({"month": labels, "total": [int(per.get(m, 0)) for m in labels]})


def months_with_data(db: str | Path, limit: int = 24, app: str | None = None) -> list[date]:
    """The newest ``limit`` months that hold feedback (of ``app``), newest first (the dashboard's choice):
    the months of ``reply.metrics.breakdown(..., "month")``, a review read by both App Store sources
    counted once, without its counts and delays (the overview page asks for the list on every first
    load: the breakdown's medians over every row cost 0.2 s at 1M, the month list 0.02 s)."""
    cond, params = where(Filters(apps=(app,) if app else ()))
    with connect(db) as con:
        rows = run(
            con,
            f"""
            SELECT DISTINCT date_trunc('month', f.created_at) AS month FROM feedback f
            WHERE ({cond}) AND {reply_once(con)} ORDER BY 1 DESC LIMIT $limit
            """,
            {**params, "limit": limit},
        ).fetchall()
    return [date(m.year, m.month, 1) for (m,) in rows]


def data_span(db: str | Path) -> tuple[date | None, date | None]:
    r = queries.data_range(db)
    return (r["first"].date(), r["last"].date()) if r["last"] is not None else (None, None)


def gather(db: str | Path, month: date, app: str | None = None) -> MonthReport:
    """Everything the report shows for ``month`` (its first day), optionally for one app.

    Raises ``NoData`` when the month has no feedback: a leadership report of zeros would read as
    "no complaints", which is not what an empty store or a wrong month means.
    """
    f, pf = _filters(month, app), _filters(previous_month(month), app)
    tax = load_taxonomy()
    complaint_ids = [c.id for c in tax.categories if c.complaint]
    cur = _period(db, f)
    if not cur.n:
        raise NoData(month)
    prev = _period(db, pf)
    ranked = sorted(
        ((c, n) for c, n in cur.categories.items() if c in complaint_ids), key=lambda cn: (-cn[1], cn[0])
    )
    reliability = queries.category_reliability(db)
    complaints = [
        Complaint(
            category=c,
            n=n,
            share=n / cur.n,
            prev_share=prev.categories.get(c, 0) / prev.n if prev.n else None,
            examples=_examples(db, f, c),
            rough=c in reliability and is_rough(reliability[c]),
        )
        for c, n in ranked[:TOP_COMPLAINTS]
    ]
    first, last = data_span(db)
    return MonthReport(
        month=month,
        app=app,
        cur=cur,
        prev=prev if prev.n else None,
        complaints=complaints,
        offices=_offices(db, f, pf),
        releases=_releases(db, f, complaint_ids),
        months=_months(db, month, app),
        data_first=first,
        data_last=last,
    )
