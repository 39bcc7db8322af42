"""Tanggapan: response metrics against plain SQL, drafts from the templates, the workflow and its audit
trail, through the real Store and the `suara reply` CLI."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from reply import metrics, workflow
from reply.drafts import check, compose, load_templates
from suara.cli import app
from suara.model_labels import save_model_labels
from suara.store import Store
from suara.taxonomy import load_taxonomy
from tests.conftest import seqs

runner = CliRunner()
HEADLINE = load_taxonomy().headline_ids
NIK = "3201234567890123"


def records():
    recs = []
    for i in range(10):
        answered = i < 4
        recs.append(
            {
                "source": "play_store" if i < 8 else "app_store",
                "native_id": f"r{i}",
                "app_id": "mpaspor",
                "text": f"kuota selalu penuh di kanim bandung, NIK {NIK} ({i})"
                if i == 5
                else f"aplikasi error {i}",
                "rating": 1 if i % 2 else 5,
                "app_version": "7.3.10",
                "created_at": f"2026-03-0{1 + i % 9}T08:00:00Z",
                "reply_text": "Terima kasih" if answered else None,
                "replied_at": f"2026-03-0{1 + i % 9}T{10 + 2 * i:02d}:00:00Z" if answered else None,
            }
        )
    return recs


@pytest.fixture
def store(db_path):
    with Store(db_path) as s:
        s.upsert_feedback(records())
        ids = [f"play_store:r{i}" for i in range(8)] + ["app_store:r8", "app_store:r9"]
        cats = {"play_store:r5": ["quota_full", "nik_not_detected"], "play_store:r1": ["praise"]}
        labels = [(i, c) for i in ids for c in cats.get(i, ["app_error"])]
        save_model_labels(
            s,
            pa.table(
                {
                    "feedback_id": ids,
                    "feedback_seq": seqs(s, ids),
                    "model_version": ["m"] * len(ids),
                    "content_hash": ["h"] * len(ids),
                    "confidence": [0.5] * len(ids),
                }
            ),
            pa.table(
                {
                    "feedback_id": [i for i, _ in labels],
                    "category": [c for _, c in labels],
                    "score": [0.9] * len(labels),
                    "model_version": ["m"] * len(labels),
                }
            ),
            pa.table({"feedback_id": ["play_store:r5"], "office_id": ["kanim-bandung"]}),
        )
        yield s


def test_summary_and_breakdowns_equal_plain_sql(store):
    s = metrics.summary(store.con)
    assert (s["n"], s["answered"], s["share"]) == (10, 4, 0.4)
    # delays of the four answered: 2, 4, 6, 8 hours
    assert s["median_hours"] == pytest.approx(5.0)
    by_source = metrics.breakdown(store.con, "source").set_index("value")
    assert by_source.loc["play_store", "answered"] == 4 and by_source.loc["app_store", "answered"] == 0
    by_rating = metrics.breakdown(store.con, "rating").set_index("value")
    assert by_rating.loc["5", "n"] == 5 and by_rating.loc["5", "answered"] == 2
    by_cat = metrics.breakdown(store.con, "category").set_index("value")
    assert by_cat.loc["quota_full", "n"] == 1 and by_cat.loc["praise", "answered"] == 1
    with pytest.raises(ValueError):
        metrics.breakdown(store.con, "author")


def test_queue_puts_low_stars_and_headline_first_and_flags_the_api_window(store):
    q = metrics.unanswered_queue(store.con, HEADLINE, now=datetime(2026, 3, 10))
    assert "play_store:r0" not in set(q["id"])  # answered
    assert list(q["rating"][:3]) == [1, 1, 1]
    assert list(q["in_api_window"]) == [c >= datetime(2026, 3, 3) for c in q["created_at"]]
    assert q["in_api_window"].any() and not q["in_api_window"].all()
    assert metrics.unanswered_queue(store.con, HEADLINE, now=datetime(2026, 4, 1))["in_api_window"].sum() == 0


def test_draft_answers_every_category_names_the_office_and_copies_no_personal_data(store):
    tpl = load_templates()
    r = workflow.draft(store, "play_store:r5", "rina", tpl, HEADLINE)
    assert r.state == "draft" and r.version == 1
    assert "Kanim Bandung" in r.text and "Kuota" in r.text and "NIK" in r.text
    assert NIK not in r.text and len(r.text) <= tpl.limit("play_store")
    assert check(r.text, "play_store", tpl) is None


def test_compose_keeps_within_the_store_limit():
    tpl = load_templates()
    every = list(tpl.category)
    text = compose(tpl, every, HEADLINE, "play_store", "Kanim Jakarta Selatan", "7.3.10")
    assert len(text) <= 350 and text.startswith(tpl.greeting[:10])
    assert compose(tpl, ["praise"], HEADLINE, "play_store") == tpl.praise
    assert "terbaru" in compose(tpl, ["app_error"], HEADLINE, "play_store", version="<b>x</b>")


def test_workflow_states_and_audit_trail(store):
    tpl = load_templates()
    fid = "play_store:r3"
    workflow.draft(store, fid, "rina", tpl, HEADLINE)
    with pytest.raises(workflow.WorkflowError, match="cannot be approved: .*350"):
        workflow.draft(store, fid, "rina", tpl, HEADLINE, text="x" * 351)
        workflow.approve(store, fid, "budi", tpl)
    with pytest.raises(workflow.WorkflowError, match="personal data"):
        workflow.draft(store, fid, "rina", tpl, HEADLINE, text=f"NIK anda {NIK} kami cek")
        workflow.approve(store, fid, "budi", tpl)
    workflow.draft(store, fid, "rina", tpl, HEADLINE, text="Mohon maaf, sedang kami perbaiki.")
    assert workflow.approve(store, fid, "budi", tpl).state == "approved"
    edited = workflow.draft(store, fid, "rina", tpl, HEADLINE, text="Mohon maaf, sudah diperbaiki.")
    assert edited.state == "draft" and edited.version == 1  # an edit of an approved reply: back to draft
    workflow.approve(store, fid, "budi", tpl)
    (r,) = workflow.to_send(store)
    workflow.claim(store, r, "budi")
    workflow.record_sent(store, r, "budi", r.text, datetime(2026, 3, 5, 9))
    assert store.con.execute("SELECT reply_text FROM feedback WHERE id = ?", [fid]).fetchall()[0][0] == r.text
    again = workflow.draft(store, fid, "rina", tpl, HEADLINE)
    assert again.version == 2  # a sent version is never edited: the next reply is a new version
    events = store.con.execute(
        "SELECT version, actor, action, state FROM reply_events WHERE feedback_id = ? ORDER BY acted_at, rowid",
        [fid],
    ).fetchall()
    assert [e[2] for e in events] == [
        "draft",
        "edit",
        "edit",
        "edit",
        "approve",
        "edit",
        "approve",
        "send",
        "sent",
        "draft",
    ]
    assert {e[1] for e in events} == {"rina", "budi"}


def test_cli_draft_approve_list_and_send_dry_run(store, db_path):
    store.close()
    base = ["--db", str(db_path)]
    r = runner.invoke(app, ["reply", "draft", "play_store:r7", "--by", "rina", *base])
    assert r.exit_code == 0, r.output
    assert runner.invoke(app, ["reply", "approve", "play_store:r7", "--by", "budi", *base]).exit_code == 0
    listed = runner.invoke(app, ["reply", "list", *base])
    assert "approved" in listed.output and "budi" in listed.output
    dry = runner.invoke(app, ["reply", "send", "--by", "budi", *base])
    assert dry.exit_code == 0 and "would-send" in dry.output and "--yes" in dry.output
    with Store(db_path) as s:  # a dry run changes nothing
        assert workflow.to_send(s)[0].state == "approved"
    bad = runner.invoke(app, ["reply", "approve", "play_store:nope", "--by", "budi", *base])
    assert bad.exit_code == 1 and "no draft" in bad.output and "Traceback" not in bad.output
    stats = runner.invoke(app, ["reply", "stats", "--by", "rating", *base])
    assert stats.exit_code == 0 and "4 of 10 answered" in stats.output


def test_roles_from_configuration():
    from reply.roles import may, role_of

    cfg = {"approver": ["Boss@Imigrasi.go.id"], "analyst": ["rina"]}
    assert role_of("boss@imigrasi.go.id", cfg) == "approver"
    assert role_of("rina", cfg, local=True) == "analyst"  # the roles list the local user otherwise
    assert role_of("someone@x.id", cfg) == "viewer" and role_of("dev", cfg, local=True) == "approver"
    assert role_of(None, cfg) is None
    groups = {"approver": ["group:kepala"], "analyst": ["group:humas"]}  # Keycloak paths: /humas
    assert role_of("x@imigrasi.go.id", groups, groups=["/humas"]) == "analyst"
    assert role_of("x@imigrasi.go.id", groups, groups=["/humas", "kepala"]) == "approver"
    assert role_of("x@imigrasi.go.id", groups, groups=["lain"]) == "viewer"
    assert may("approver", "approve") and not may("analyst", "approve") and may("analyst", "draft")
    assert not may("viewer", "draft") and not may(None, "draft")


def test_a_tweet_is_in_the_queue_to_open_and_a_feed_review_is_marked_but_neither_is_drafted_wrongly(store):
    store.upsert_feedback(
        [
            {
                "source": "twitter",
                "native_id": "1890000000000000001",
                "app_id": "mpaspor",
                "rating": None,
                "text": "m-paspor error terus",
                "created_at": "2026-03-09T08:00:00Z",
                "url": "https://x.com/i/status/1890000000000000001",
            },
            {
                "source": "app_store",
                "native_id": "6290024630",
                "app_id": "mpaspor",
                "rating": 1,
                "text": "aplikasi error",
                "created_at": "2026-03-09T09:00:00Z",
            },
        ]  # fmt: skip
    )
    q = metrics.unanswered_queue(store.con, HEADLINE, now=datetime(2026, 3, 10)).set_index("id")
    assert q.loc["twitter:1890000000000000001", "url"].startswith("https://x.com/")
    assert q.loc["app_store:6290024630", "feed_only"] and not q.loc["app_store:r8", "feed_only"]
    with pytest.raises(workflow.WorkflowError, match="not posted by Suara"):
        workflow.draft(store, "twitter:1890000000000000001", "rina", load_templates(), HEADLINE)


def test_cli_send_says_a_feed_review_needs_the_appstore_api_source(store, db_path):
    store.upsert_feedback(
        [
            {
                "source": "app_store",
                "native_id": "6290024630",
                "app_id": "mpaspor",
                "rating": 1,
                "text": "aplikasi error",
                "created_at": "2026-03-09T09:00:00Z",
            }
        ]  # fmt: skip
    )
    workflow.draft(store, "app_store:6290024630", "rina", load_templates(), HEADLINE)
    workflow.approve(store, "app_store:6290024630", "budi", load_templates())
    store.close()
    for extra in ([], ["--yes"]):
        r = runner.invoke(app, ["reply", "send", "--by", "budi", "--db", str(db_path), *extra])
        flat = " ".join(r.output.split())
        assert r.exit_code == 1 and "Traceback" not in r.output, r.output
        assert (
            "app_store:6290024630 v1: skipped - app_store:6290024630 was read from the public App Store feed"
            in flat
        )
        assert "suara collect --source appstore-api" in flat
