"""The reply workflow in the store: draft -> approved -> sent | failed, every step in the audit trail.

One open reply per review (state draft, approved, sending or failed); a new version is opened only
after the last one was sent, so (review id, version) names one text that is posted at most once.
Editing an approved or failed reply sends it back to draft; approval checks the target store's length
limit and personal data (reply.drafts.check). Each action is one transaction: the row of ``replies``
and its row of ``reply_events`` (who, when, what text) are stored together or not at all.

Sending: ``claim`` moves an approved reply to 'sending' and commits before the API is called;
``record_sent`` / ``record_failed`` finish it. A reply left in 'sending' (a crash between the post and
its record) is resolved by reply.send, which asks the store's API whether the reply is there.
"""

from __future__ import annotations

from dataclasses import dataclass

from nlp.offices import load_offices
from reply.drafts import Templates, check, compose
from reply.metrics import REPLYABLE_SOURCES
from suara.store import Store, first_row, utcnow

OPEN = ("draft", "approved", "sending", "failed")


class WorkflowError(Exception):
    """An action that the reply's state does not allow; the message says what to do."""


@dataclass(frozen=True)
class Reply:
    feedback_id: str
    version: int
    state: str
    text: str
    source: str
    native_id: str
    app_id: str


def _open(store: Store, feedback_id: str) -> Reply | None:
    row = first_row(
        store.con,
        "SELECT r.feedback_id, r.version, r.state, r.text, f.source, f.native_id, f.app_id "
        "FROM replies r JOIN feedback f ON f.id = r.feedback_id "
        "WHERE r.feedback_id = ? AND list_contains(?, r.state) ORDER BY r.version DESC LIMIT 1",
        [feedback_id, list(OPEN)],
    )
    return Reply(*row) if row else None


def _event(con, r_id: str, version: int, actor: str, action: str, state: str, text, detail=None):
    con.execute(
        "INSERT INTO reply_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [r_id, version, utcnow(), actor, action, state, text, detail],
    )


def _actor(by: str) -> str:
    by = (by or "").strip()
    if not by:
        raise WorkflowError("say who acts: --by NAME (the dashboard uses the logged-in user)")
    return by


def suggest(store: Store, feedback_id: str, tpl: Templates, headline: list[str]) -> tuple[str, str]:
    """(text, categories) of a template draft for a stored review; WorkflowError when it is unknown."""
    row = first_row(
        store.con,
        """
        SELECT f.source, f.app_version,
               (SELECT list(category ORDER BY score DESC NULLS LAST, category) FROM effective_labels
                WHERE feedback_id = f.id),
               (SELECT min(office_id) FROM feedback_offices WHERE feedback_id = f.id)
        FROM feedback f WHERE f.id = ?
        """,
        [feedback_id],
    )
    if not row:
        raise WorkflowError(f"no feedback with id {feedback_id!r}; ids look like play_store:<reviewId>")
    source, version, cats, office_id = row
    if source not in REPLYABLE_SOURCES:
        raise WorkflowError(
            f"{feedback_id}: replies on {source} are not posted by Suara; open it and answer there"
        )
    office = None
    if office_id:
        office = next((o.short_name for o in load_offices() if o.office_id == office_id), None)
    cats = list(cats or [])
    return compose(tpl, cats, headline, source, office, version), ",".join(cats)


def draft(
    store: Store, feedback_id: str, by: str, tpl: Templates, headline: list[str], text: str | None = None
) -> Reply:
    """Open a draft (from the templates, or ``text``), or edit the open one (back to draft)."""
    by = _actor(by)
    suggested, cats = suggest(store, feedback_id, tpl, headline)
    text = suggested if text is None else text.strip()
    now = utcnow()
    with store.transaction() as con:
        cur = _open(store, feedback_id)
        if cur and cur.state == "sending":
            raise WorkflowError(f"{feedback_id} v{cur.version} is being sent; run `suara reply send` first")
        if cur:
            con.execute(
                "UPDATE replies SET state = 'draft', text = ?, updated_by = ?, updated_at = ?, "
                "approved_by = NULL, approved_at = NULL WHERE feedback_id = ? AND version = ?",
                [text, by, now, feedback_id, cur.version],
            )
            _event(con, feedback_id, cur.version, by, "edit", "draft", text)
            version = cur.version
        else:
            (last,) = first_row(
                con, "SELECT coalesce(max(version), 0) FROM replies WHERE feedback_id = ?", [feedback_id]
            )
            version = last + 1  # after a sent or discarded version, a new one
            con.execute(
                "INSERT INTO replies VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)",
                [feedback_id, version, text, cats, by, now, by, now],
            )
            _event(con, feedback_id, version, by, "draft", "draft", text)
    return _open(store, feedback_id)


def approve(store: Store, feedback_id: str, by: str, tpl: Templates) -> Reply:
    """draft or failed -> approved, if the text fits the store and carries no personal data."""
    by = _actor(by)
    cur = _open(store, feedback_id)
    if not cur or cur.state not in ("draft", "failed"):
        state = cur.state if cur else "none"
        raise WorkflowError(f"{feedback_id} has no draft to approve (state: {state}); draft one first")
    problem = check(cur.text, cur.source, tpl)
    if problem:
        raise WorkflowError(f"{feedback_id} v{cur.version} cannot be approved: {problem}")
    with store.transaction() as con:
        con.execute(
            "UPDATE replies SET state = 'approved', approved_by = ?, approved_at = ?, updated_by = ?, "
            "updated_at = ?, error = NULL WHERE feedback_id = ? AND version = ?",
            [by, utcnow(), by, utcnow(), feedback_id, cur.version],
        )
        _event(con, feedback_id, cur.version, by, "approve", "approved", cur.text)
    return _open(store, feedback_id)


def discard(store: Store, feedback_id: str, by: str) -> None:
    by = _actor(by)
    cur = _open(store, feedback_id)
    if not cur or cur.state == "sending":
        raise WorkflowError(f"{feedback_id} has no reply to discard (or it is being sent)")
    with store.transaction() as con:
        con.execute(
            "UPDATE replies SET state = 'discarded', updated_by = ?, updated_at = ? "
            "WHERE feedback_id = ? AND version = ?",
            [by, utcnow(), feedback_id, cur.version],
        )
        _event(con, feedback_id, cur.version, by, "discard", "discarded", cur.text)


def to_send(store: Store, include_sending: bool = True) -> list[Reply]:
    """Approved replies (and those left in 'sending' by a crash), oldest approval first."""
    states = ["approved", "sending"] if include_sending else ["approved"]
    rows = store.con.execute(
        "SELECT r.feedback_id, r.version, r.state, r.text, f.source, f.native_id, f.app_id "
        "FROM replies r JOIN feedback f ON f.id = r.feedback_id WHERE list_contains(?, r.state) "
        "ORDER BY r.approved_at, r.feedback_id",
        [states],
    ).fetchall()
    return [Reply(*r) for r in rows]


def claim(store: Store, r: Reply, by: str) -> None:
    with store.transaction() as con:
        con.execute(
            "UPDATE replies SET state = 'sending', updated_by = ?, updated_at = ? "
            "WHERE feedback_id = ? AND version = ? AND state = 'approved'",
            [by, utcnow(), r.feedback_id, r.version],
        )
        _event(con, r.feedback_id, r.version, by, "send", "sending", r.text)


def record_sent(
    store: Store, r: Reply, by: str, published_text: str, published_at, detail=None, twin: str | None = None
) -> None:
    """The reply is on the store: mark it sent and show it on the review (feedback.reply_text), and on
    its ``twin`` (reply.twins) when it was posted under the App Store Connect review's id."""
    now = utcnow()
    with store.transaction() as con:
        con.execute(
            "UPDATE replies SET state = 'sent', sent_at = ?, error = NULL, updated_by = ?, updated_at = ? "
            "WHERE feedback_id = ? AND version = ?",
            [now, by, now, r.feedback_id, r.version],
        )
        con.execute(
            "UPDATE feedback SET reply_text = ?, replied_at = ? WHERE id = ? OR id = ?",
            [published_text, published_at or now, r.feedback_id, twin],
        )
        _event(con, r.feedback_id, r.version, by, "sent", "sent", published_text, detail)


def record_failed(store: Store, r: Reply, by: str, error: str) -> None:
    with store.transaction() as con:
        con.execute(
            "UPDATE replies SET state = 'failed', error = ?, updated_by = ?, updated_at = ? "
            "WHERE feedback_id = ? AND version = ?",
            [error, by, utcnow(), r.feedback_id, r.version],
        )
        _event(con, r.feedback_id, r.version, by, "failed", "failed", r.text, error)


def listing(store: Store, state: str | None = None, limit: int = 50) -> list[tuple]:
    """(feedback_id, version, state, updated_by, updated_at, text, error), newest first."""
    return store.con.execute(
        "SELECT feedback_id, version, state, updated_by, updated_at, text, error FROM replies "
        "WHERE ? IS NULL OR state = ? ORDER BY updated_at DESC, feedback_id LIMIT ?",
        [state, state, limit],
    ).fetchall()
