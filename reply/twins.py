"""Which App Store Connect review an App Store review read from the public feed is, so it can be answered.

The public feed (``itunes.apple.com/{cc}/rss/customerreviews/.../json``, ingest/appstore.py) names a
review by ``entry.id.label``, a number such as ``"6290024630"``; the App Store Connect API names the same
review by its own opaque ``customerReviews`` id (ingest/appstore_api.py), and ``POST
/v1/customerReviewResponses`` takes only that one. Nothing maps one to the other, so a feed review is
matched to the review the ``appstore-api`` source stored for the same app by what both show: the same
author (the salted hash of the nickname), rating, title and text, written within two days of each other
(the feed dates a review by its last update, the API by its creation). The nearest such review is the
twin; two equally near are ambiguous and none is chosen (no reply goes to a guess).

Without the ``appstore-api`` source (it needs the team's API key) a feed review has no twin and cannot
be answered from Suara: ``suara reply send`` says so in one line and the Tanggapan page marks it. A
feed review that has a twin is left out of the response figures and of the queue, where its twin stands
for it, so one review is counted once. Play needs none of this: the scraper and the Play Developer API
share the ``reviewId``.
"""

from __future__ import annotations

import duckdb

from suara.store import first_row

WINDOW_SECONDS = 2 * 86400
FEED_ID = "regexp_full_match({t}.native_id, '[0-9]+')"  # the public feed's ids are numbers

# (feed row id, twin row id, twin native id, seconds apart) for every feed review with a candidate
CANDIDATES = f"""
    SELECT a.id AS feed_id, b.id AS twin_id, b.native_id AS twin_native_id,
           abs(epoch(b.created_at) - epoch(a.created_at)) AS apart
    FROM feedback a JOIN feedback b
      ON b.source = 'app_store' AND b.app_id = a.app_id AND NOT {FEED_ID.format(t="b")}
     AND b.author_hash IS NOT DISTINCT FROM a.author_hash AND b.rating IS NOT DISTINCT FROM a.rating
     AND coalesce(b.title, '') = coalesce(a.title, '') AND b.text = a.text
     AND abs(epoch(b.created_at) - epoch(a.created_at)) <= {WINDOW_SECONDS}
    WHERE a.source = 'app_store' AND {FEED_ID.format(t="a")}
"""
# the ids of feed reviews that have a twin (left out of figures and queue: the twin counts for them)
TWINNED = f"(SELECT feed_id FROM ({CANDIDATES}))"


def is_feed_review(source: str, native_id: str) -> bool:
    return source == "app_store" and native_id.isdigit()


def twin(con: duckdb.DuckDBPyConnection, feedback_id: str) -> tuple[str, str] | None:
    """(twin row id, its App Store Connect id) of a feed review, or None when there is none or two."""
    row = first_row(
        con,
        f"""
        WITH c AS ({CANDIDATES} AND a.id = ?)
        SELECT min(twin_id), min(twin_native_id), count(DISTINCT twin_id)
        FROM c WHERE apart = (SELECT min(apart) FROM c)
        """,
        [feedback_id],
    )
    if not row or row[2] != 1:
        return None
    return row[0], row[1]


def no_twin_message(feedback_id: str) -> str:
    return (
        f"{feedback_id} was read from the public App Store feed, whose review ids App Store Connect does "
        "not know: collect the app with `suara collect --source appstore-api` (it needs the API key, see "
        "`suara doctor`) so the same review is found under its App Store Connect id, then send again"
    )
