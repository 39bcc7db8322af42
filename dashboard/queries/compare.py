"""Apps side by side (the "Bandingkan aplikasi" page): per app its volume, average rating, share with a
complaint, each shared category's share, response rate and median reply delay.

Only the period and source filters apply (``comparable``): a version or a category belongs to one app's
story, and a rating filter would make the average rating meaningless. An app's labels count only
within its taxonomy scope (``scope``: app -> its categories, from data/taxonomy.toml ``apps``), so a
label the classifier gave before the scope existed never shows; the category shares are given only for
the categories every compared app shares, so no app is measured on a category it cannot have. Response
figures are reply.metrics' own, over the stores one can answer on (X is left out).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from dashboard.queries.base import NOT_COMPLAINTS, connect, frame, where
from reply import metrics

if TYPE_CHECKING:
    from dashboard.filters import Filters

APP_COLUMNS = ("app_id", "n", "rated", "avg_rating", "complaints", "complaint_share", "store_n", "answered",
               "response_rate", "median_hours")  # fmt: skip
CATEGORY_COLUMNS = ("app_id", "category", "n", "total", "share")
Scope = tuple[tuple[str, tuple[str, ...]], ...]  # (app_id, its categories), one per compared app

# One statement: the picked feedback and its scoped labels, each read more than once (per app; its
# complaints; per shared category). Before, the labels were joined with a DISTINCT over every (text,
# category) (issue 18): a text holds a category once in effective_labels and ``scope`` lists each
# (app, category) once (``compare``), so the join yields each pair once already. A text is its row
# number (``seq``) here: materialising and counting distinct string ids cost 420 ms against 310 ms at 1M.
_FIGURES = """
    WITH scope AS (SELECT unnest($scope_apps) AS app_id, unnest($scope_cats) AS category),
    picked AS (
        SELECT f.seq, f.app_id, f.rating FROM feedback f WHERE {cond} AND list_contains($apps, f.app_id)
    ),
    labelled AS MATERIALIZED (
        SELECT p.seq, p.app_id, l.category FROM picked p
        JOIN effective_labels l ON l.feedback_seq = p.seq
        JOIN scope s ON s.app_id = p.app_id AND s.category = l.category
    )
    SELECT 'app' AS kind, app_id, NULL AS category, count(*) AS n, count(rating) AS rated,
           avg(rating) AS avg_rating
    FROM picked GROUP BY app_id
    UNION ALL
    SELECT 'complaints', app_id, NULL, count(DISTINCT seq), NULL, NULL FROM labelled
    WHERE NOT list_contains($not_complaints, category) GROUP BY app_id
    UNION ALL
    SELECT 'category', app_id, category, count(*), NULL, NULL FROM labelled
    WHERE list_contains($shared, category) GROUP BY app_id, category
"""


def comparable(f: Filters) -> Filters:
    """The filters the comparison honours: period, sources and the apps chosen."""
    return replace(f, ratings=(), versions=(), categories=())


def shared(scope: Scope) -> list[str]:
    """The categories every compared app has, in the order of the first app's scope."""
    if not scope:
        return []
    common = set.intersection(*(set(cats) for _, cats in scope))
    return [c for c in scope[0][1] if c in common]


def compare(db: str | Path, f: Filters, scope: Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per app: app_id, n, rated, avg_rating, complaints, complaint_share, store_n, answered,
    response_rate, median_hours; one row per app and shared category: app_id, category, n, total, share).
    Apps of ``scope`` without feedback in the view are left out of both."""
    if not scope:
        return pd.DataFrame(columns=[*APP_COLUMNS]), pd.DataFrame(columns=[*CATEGORY_COLUMNS])
    cond, params = where(comparable(f))
    pairs = list(dict.fromkeys((a, c) for a, cats in scope for c in cats))  # each (app, category) once
    params = {
        **params,
        "apps": [a for a, _ in scope],
        "scope_apps": [a for a, _ in pairs],
        "scope_cats": [c for _, c in pairs],
        "not_complaints": list(NOT_COMPLAINTS),
        "shared": shared(scope),
    }
    with connect(db) as con:
        figures = frame(con, _FIGURES.format(cond=cond), params)
        replies = metrics.breakdown(
            con,
            "app",
            f"{cond} AND list_contains($apps, f.app_id) AND list_contains($replyable, f.source)",
            {**params, "replyable": list(metrics.REPLYABLE_SOURCES)},
        )
    kind = figures.pop("kind")
    complaints = figures[kind == "complaints"].set_index("app_id")["n"]
    apps = (
        figures[kind == "app"]
        .drop(columns="category")
        .astype({"n": "int64", "rated": "int64", "avg_rating": "float64"})
        .sort_values(["n", "app_id"], ascending=[False, True])
        .reset_index(drop=True)
    )
    apps["complaints"] = apps["app_id"].map(complaints).fillna(0).astype("int64")
    cats = figures[kind == "category"][["app_id", "category", "n"]]
    apps["complaint_share"] = apps["complaints"] / apps["n"]
    replies = replies.rename(columns={"value": "app_id", "n": "store_n", "share": "response_rate"})[
        ["app_id", "store_n", "answered", "response_rate", "median_hours"]
    ]
    apps = apps.merge(replies, on="app_id", how="left")
    apps[["store_n", "answered"]] = apps[["store_n", "answered"]].fillna(0).astype(int)
    # every (app, shared category) pair, a category no text of an app raised too (a share of 0)
    grid = pd.MultiIndex.from_product([apps["app_id"], params["shared"]], names=["app_id", "category"])
    cats = (
        cats.set_index(["app_id", "category"])
        .reindex(grid, fill_value=0)
        .reset_index()
        .merge(apps[["app_id", "n"]].rename(columns={"n": "total"}), on="app_id")
    )
    cats["n"] = cats["n"].astype(int)
    cats["share"] = cats["n"] / cats["total"]
    return apps[[*APP_COLUMNS]], cats[[*CATEGORY_COLUMNS]]
