"""`suara reply send`: post the approved replies, each at most once, and record what the store shows.

For each approved reply: mark it 'sending' (committed), post it, then record it 'sent' with the text and
time the API returned, which also becomes the review's reply in feedback (so the response metrics move
at once). A reply found in 'sending' was interrupted between the post and its record: its review is
read back from the API first, and when the store already shows this text, it is recorded without a
second post. An App Store review read from the public feed is posted under the id of its App Store
Connect twin (reply.twins), or skipped with a one-line reason when it has none. A failed post is
recorded 'failed' with the API's one-line error (approve it again to retry, or edit it). Only people run this (the nightly job never sends), and without ``yes`` it only
says what it would post.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from reply import twins, workflow
from reply.clients import CredentialsError, PostError
from suara.store import Store

_TAGS = re.compile(r"<[^>]*>")


@dataclass
class Outcome:
    feedback_id: str
    version: int
    result: str  # would-send, sent, already-there, failed, skipped
    detail: str = ""


def _same(a: str, b: str) -> bool:
    """Equal as the store shows them (Play strips HTML tags; whitespace may differ)."""
    return " ".join(_TAGS.sub("", a).split()) == " ".join(_TAGS.sub("", b).split())


def send(store: Store, client_for: Callable[[str, str], object], by: str, yes: bool = False) -> list[Outcome]:
    """Post every approved reply through ``client_for(source, app_id)``; a dry run unless ``yes``."""
    outcomes: list[Outcome] = []
    clients: dict[tuple[str, str], object] = {}
    for r in workflow.to_send(store):
        target, twin = r.native_id, None  # the id the API takes
        if twins.is_feed_review(r.source, r.native_id):
            found = twins.twin(store.con, r.feedback_id)
            if found is None:
                outcomes.append(
                    Outcome(r.feedback_id, r.version, "skipped", twins.no_twin_message(r.feedback_id))
                )
                continue
            twin, target = found
        if not yes:
            outcomes.append(Outcome(r.feedback_id, r.version, "would-send", r.text))
            continue
        key = (r.source, r.app_id)
        try:
            if key not in clients:
                clients[key] = client_for(r.source, r.app_id)
            client = clients[key]
        except CredentialsError as exc:
            outcomes.append(Outcome(r.feedback_id, r.version, "skipped", str(exc)))
            continue
        try:
            if r.state == "sending":
                there = client.existing(target)
                if there is not None and _same(there.text, r.text):
                    workflow.record_sent(
                        store, r, by, there.text, there.at, "found on the store after a crash", twin
                    )
                    outcomes.append(Outcome(r.feedback_id, r.version, "already-there"))
                    continue
            else:
                workflow.claim(store, r, by)
            published = client.post(target, r.text)
        except PostError as exc:
            workflow.record_failed(store, r, by, str(exc))
            outcomes.append(Outcome(r.feedback_id, r.version, "failed", str(exc)))
            continue
        workflow.record_sent(store, r, by, published.text, published.at, twin=twin)
        outcomes.append(Outcome(r.feedback_id, r.version, "sent"))
    return outcomes
