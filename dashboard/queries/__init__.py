"""Every SQL query the dashboard runs: aggregates over the filtered feedback, or one page of texts.

Each function opens its own short-lived read-only connection (``base.connect``). These are plain
functions of (database path, filters, ...): the Streamlit layer (dashboard/common.py) caches them
with a TTL and calls them by name from here, and the benchmark calls them directly (``overview`` is
the overview page's whole workload). They are split along what they read:

- ``base``: the connection, the filters as one WHERE clause, ``NOT_COMPLAINTS``, ``UNCATEGORIZED``;
- ``trends``: the data's range and filter options, the overview, trends bucketed to the period;
- ``texts``: pages of texts (search, sort, pagination), an alert's texts, download rows;
- ``releases``: the Versi aplikasi grid and its jumps;
- ``breakdowns``: offices, alerts, framework elements, category counts;
- ``compare``: apps side by side (volume, rating, complaints, shared categories, replies);
- ``ratings``: stars, sentiment and complaints over time, with the releases;
- ``pipeline``: the labelling queue, analysts' label counts, runs, models, the categories' reliability;
- ``topics``: the Topik baru page's candidate topics and the analysts' added categories.
"""

from dashboard.queries.base import NOT_COMPLAINTS, UNCATEGORIZED, where
from dashboard.queries.breakdowns import alerts, category_counts, frameworks, offices
from dashboard.queries.compare import compare
from dashboard.queries.pipeline import category_reliability, human_label_counts, models, review_queue, runs
from dashboard.queries.ratings import rating_trends, release_marks
from dashboard.queries.releases import versions
from dashboard.queries.texts import SORTS, alert_texts, export_rows, texts
from dashboard.queries.topics import added_categories, topics
from dashboard.queries.trends import MIN_BUCKET, category_detail, data_range, filter_options, overview

__all__ = [
    "MIN_BUCKET",
    "added_categories",
    "NOT_COMPLAINTS",
    "SORTS",
    "UNCATEGORIZED",
    "alert_texts",
    "alerts",
    "category_counts",
    "category_reliability",
    "category_detail",
    "compare",
    "data_range",
    "export_rows",
    "filter_options",
    "frameworks",
    "human_label_counts",
    "models",
    "offices",
    "overview",
    "rating_trends",
    "release_marks",
    "review_queue",
    "runs",
    "texts",
    "topics",
    "versions",
    "where",
]
