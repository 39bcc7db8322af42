"""Versi aplikasi: each category's share of each release's feedback, and which rises are real jumps.

The releases shown are the busiest of the view (most feedback in the period), not the newest: a
release everyone used matters more than one nobody installed. Each is compared with the release
before it in version order (``suara.alerts.version_key``) among those with at least ``min_count``
texts. A rise is a jump only when it is a complaint (praise rising is good news), the release has at
least ``JUMP_MIN_TEXTS`` texts in that category, the share rose at least ``JUMP_MIN_PP`` points, and
the one-sided two-proportion z-test of the nightly alerts (``suara.alerts.share_z`` at
``suara.alerts.ALPHA``) says it is no chance: 3 of 17 texts is never a jump.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from scipy import stats

from dashboard.queries.base import NOT_COMPLAINTS, connect, frame, where
from suara.alerts import ALPHA, share_z, version_key

if TYPE_CHECKING:
    from dashboard.filters import Filters

JUMP_MIN_PP = 5.0  # a jump rises at least this many percentage points over the release before ...
JUMP_MIN_TEXTS = 5  # ... from at least this many texts of the category in the release


def versions(
    db: str | Path, f: Filters, categories: list[str], min_count: int = 30, limit: int = 12
) -> pd.DataFrame:
    """Per release (the ``limit`` with most feedback among those with at least ``min_count``) and
    category: ``n``, the release's ``total``, ``share``, ``rank`` by volume (0 = busiest), ``order``
    (version order), the ``previous`` release, the ``change`` from it and whether it is a ``jump``."""
    cond, params = where(f)
    params.update(cats=list(categories), min_count=min_count)
    with connect(db) as con:
        rel = frame(
            con,
            f"""
            SELECT f.app_version, count(*) AS total, min(f.created_at) AS first_seen
            FROM feedback f WHERE {cond} AND f.app_version IS NOT NULL
            GROUP BY 1 HAVING count(*) >= $min_count
            """,
            params,
        )
        if rel.empty:
            return pd.DataFrame(
                columns=[
                    "app_version",
                    "category",
                    "n",
                    "total",
                    "share",
                    "rank",
                    "order",
                    "previous",
                    "change",
                    "z",
                    "jump",
                ]  # fmt: skip
            )
        counts = frame(
            con,
            f"""
            SELECT f.app_version, l.category, count(*) AS n
            FROM feedback f JOIN effective_labels l ON l.feedback_seq = f.seq
            WHERE {cond} AND list_contains($versions, f.app_version) AND list_contains($cats, l.category)
            GROUP BY ALL
            """,
            {**params, "versions": rel["app_version"].tolist()},
        )
    in_order = sorted(rel["app_version"], key=lambda v: (version_key(v), v))
    rel["order"] = rel["app_version"].map({v: i for i, v in enumerate(in_order)})
    rel = rel.sort_values("order", ignore_index=True)
    rel["previous"] = rel["app_version"].shift(1)
    rel["rank"] = rel["total"].rank(method="first", ascending=False).astype(int) - 1
    grid = rel.merge(pd.DataFrame({"category": list(categories)}), how="cross")
    grid = grid.merge(counts, on=["app_version", "category"], how="left")
    grid["n"] = grid["n"].fillna(0).astype("int64")
    grid["share"] = grid["n"] / grid["total"]
    before = grid[["app_version", "category", "n", "total", "share"]].rename(
        columns={"app_version": "previous", "n": "prev_n", "total": "prev_total", "share": "prev_share"}
    )
    grid = grid.merge(before, on=["previous", "category"], how="left")
    grid["change"] = grid["share"] - grid["prev_share"]
    grid["z"] = [
        share_z(x1, n1, int(x0), int(n0)) if pd.notna(x0) else float("nan")
        for x1, n1, x0, n0 in zip(grid["n"], grid["total"], grid["prev_n"], grid["prev_total"], strict=True)
    ]
    grid["jump"] = (
        ~grid["category"].isin(NOT_COMPLAINTS)
        & (grid["n"] >= JUMP_MIN_TEXTS)
        & (grid["change"] >= JUMP_MIN_PP / 100)
        & (grid["z"] > stats.norm.ppf(1 - ALPHA))
    ).fillna(False)
    shown = grid[grid["rank"] < limit]
    return shown[
        ["app_version", "category", "n", "total", "share", "rank", "order", "previous", "change", "z", "jump"]
    ].sort_values(["order", "category"], ignore_index=True)
