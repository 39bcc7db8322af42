"""A tweet's public link, built from its id alone (never the author's username: suara's privacy rule).

A module of its own so that the file import, which rebuilds every imported tweet's link, does not
load the X API client (ingest/twitter.py and httpx) to do it.
"""

from __future__ import annotations


def tweet_url(tweet_id: str) -> str:
    return f"https://x.com/i/web/status/{tweet_id}"
