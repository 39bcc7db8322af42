"""Rating & sentimen: stars and sentiment over time, beside the complaint trend, with the releases.

All of it follows the trends' rules (``dashboard.queries.trends.bucketed``): the bucket comes from the
period and its volume, every bucket of the period is present, and no share or average is drawn from
fewer than ``MIN_BUCKET`` texts of its bucket (rated texts for the stars, a source's texts for its
sentiment), so lines break over gaps instead of bridging them.

- **Stars**: per bucket the 1-5 distribution of the rated texts and their average.
- **Complaints**: per bucket the share of texts with a complaint category (praise is not one).
- **Sentiment** (``feedback_sentiment``, nlp/sentiment.py): per source and bucket the share of each
  sentiment among that source's texts, so X, whose tweets have no stars, has a trend too.
- **Releases**: each app version's first appearance (within the source, app and version filters), for the busiest
  ``RELEASE_LIMIT`` versions with at least ``RELEASE_MIN`` texts first seen inside the period (four
  years of releases drawn as rules would hide the lines): the rules marked on the trend charts.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from dashboard.queries.base import NOT_COMPLAINTS, connect, frame, ts, where
from dashboard.queries.trends import MIN_BUCKET, bucketed

if TYPE_CHECKING:
    from dashboard.filters import Filters

SENTIMENTS = ("negatif", "netral", "positif")
STARS = ("1", "2", "3", "4", "5")
RELEASE_MIN = 20  # texts a version needs, over the filters, to be marked as a release
RELEASE_LIMIT = 12  # the busiest releases of the period are marked, as Versi aplikasi shows them
_DAY = "date_trunc('day', f.created_at)"


def rating_trends(db: str | Path, f: Filters) -> dict:
    """``unit``; ``stars`` (bucket, category = star, n, total rated, share, enough) and ``average``
    (bucket, total, average: NaN where too few); ``complaints`` (bucket, n, total, share);
    ``sentiment`` (bucket, source, category = sentiment, n, total, share); ``releases``
    (app_version, first_seen, n); ``summary``: rated, average, and texts per sentiment."""
    cond, params = where(f)
    with connect(db) as con:
        # one scan: per day, star, source and sentiment, the texts and those with a complaint; the
        # days, the stars and the sentiment per source are sums of it (three scans before, issue 18)
        cells = frame(
            con,
            f"""
            SELECT {_DAY} AS day, f.rating, f.source, s.sentiment, count(*) AS n,
                   count(*) FILTER (WHERE f.seq IN (SELECT feedback_seq FROM effective_labels
                                                   WHERE NOT list_contains($not, category))) AS complaints
            FROM feedback f LEFT JOIN feedback_sentiment s ON s.feedback_seq = f.seq
            WHERE {cond} GROUP BY ALL
            """,
            {**params, "not": list(NOT_COMPLAINTS)},
        )
        releases = release_dates(con, f)
    days = (
        cells.assign(rated=cells["n"].where(cells["rating"].notna(), 0))
        .groupby("day", as_index=False)
        .agg(total=("n", "sum"), rated=("rated", "sum"), complaints=("complaints", "sum"))
        .astype({"total": "int64", "rated": "int64", "complaints": "int64"})
    )
    rated = cells[cells["rating"].between(1, 5)]
    stars = (
        rated.assign(category=rated["rating"].astype(int).astype(str))
        .groupby(["day", "category"], as_index=False)["n"]
        .sum()
    )
    by_source = (
        cells[cells["sentiment"].notna()]
        .rename(columns={"sentiment": "category"})
        .groupby(["day", "source", "category"], as_index=False)["n"]
        .sum()
    )
    unit, star_df = bucketed(days.assign(total=days["rated"]), stars, list(STARS), f.start, f.end)
    _, complaint_df = bucketed(
        days[["day", "total"]],
        days.assign(category="complaint", n=days["complaints"])[["day", "category", "n"]],
        ["complaint"],
        f.start,
        f.end,
    )
    return {
        "unit": unit,
        "stars": star_df,
        "average": _average(star_df),
        "complaints": complaint_df,
        "sentiment": _sentiment(by_source, f, unit),
        "releases": releases,
        "summary": {
            "n": int(days["total"].sum()),
            "rated": int(days["rated"].sum()),
            "average": _mean_stars(stars),
            "sentiment": {k: int(by_source.loc[by_source["category"] == k, "n"].sum()) for k in SENTIMENTS},
        },
    }


def _mean_stars(stars: pd.DataFrame) -> float | None:
    n = stars["n"].sum()
    return float((stars["category"].astype(int) * stars["n"]).sum() / n) if n else None


def _average(star_df: pd.DataFrame) -> pd.DataFrame:
    if star_df.empty:
        return pd.DataFrame(columns=["bucket", "total", "average"])
    weighted = star_df.assign(w=star_df["category"].astype(int) * star_df["n"])
    out = weighted.groupby("bucket", as_index=False).agg(total=("total", "first"), w=("w", "sum"))
    out["average"] = (out["w"] / out["total"].where(out["total"] >= MIN_BUCKET)).astype("float64")
    return out[["bucket", "total", "average"]]


def _sentiment(by_source: pd.DataFrame, f: Filters, unit: str) -> pd.DataFrame:
    """Each source's sentiment shares, bucketed by ``bucketed`` on that source's own daily totals."""
    parts = []
    for source, rows in by_source.groupby("source", sort=True):
        days = rows.groupby("day", as_index=False)["n"].sum().rename(columns={"n": "total"})
        _, df = bucketed(days, rows[["day", "category", "n"]], list(SENTIMENTS), f.start, f.end, unit=unit)
        parts.append(df.assign(source=source))
    if not parts:
        return pd.DataFrame(columns=["bucket", "category", "n", "total", "share", "enough", "source"])
    return pd.concat(parts, ignore_index=True)


def release_marks(db: str | Path, f: Filters) -> pd.DataFrame:
    """The releases to mark on a trend chart of the view (see the module docstring)."""
    with connect(db) as con:
        return release_dates(con, f)


def release_dates(con, f: Filters) -> pd.DataFrame:
    """(app_version, first_seen, n) of the busiest releases first seen in the period, oldest first.
    A release is the app's, whatever the texts say: the category and rating filters do not move it."""
    cond, params = where(replace(f, categories=(), ratings=()), period=False)
    df = frame(
        con,
        f"""
        SELECT f.app_version, min(f.created_at) AS first_seen, count(*) AS n
        FROM feedback f WHERE {cond} AND f.app_version IS NOT NULL
        GROUP BY 1 HAVING count(*) >= $min ORDER BY first_seen, 1
        """,
        {**params, "min": RELEASE_MIN},
    )
    if f.start:
        df = df[df["first_seen"] >= ts(f.start)]
    if f.end:
        df = df[df["first_seen"] < ts(f.end)]
    df = df.nlargest(RELEASE_LIMIT, "n", keep="first") if len(df) > RELEASE_LIMIT else df
    return df.sort_values(["first_seen", "app_version"], ignore_index=True)
