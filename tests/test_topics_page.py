# ruff: noqa: F811 (topic_db is a fixture imported from tests/test_topics.py)
"""The Topik baru page in AppTest: topics growing first with masked examples, every action (dismiss,
merge, promote) by a local analyst, a viewer who cannot act, and the English switch.

The store is tests/test_topics.py's (the fee theme only in the last week, with phone numbers).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from suara.review_queue import review_queue
from suara.taxonomy import load_taxonomy
from tests.test_topics import topic_db  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"


@pytest.fixture
def db(topic_db, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SUARA_DB", str(topic_db))
    monkeypatch.setenv("SUARA_TAXONOMY_LOCAL", str(tmp_path / "taxonomy.local.toml"))
    monkeypatch.delenv("SUARA_LOCAL_USER", raising=False)
    config = tmp_path / "suara.toml"
    config.write_text('[reply.roles]\nviewer = ["v@imigrasi.go.id"]\nanalyst = ["ana@imigrasi.go.id"]\n')
    monkeypatch.setenv("SUARA_CONFIG", str(config))
    from dashboard import common

    common.clear_cache()
    return topic_db


def page(user: dict | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.user = user or {}
    at.query_params.update(query)
    at.run()
    at.switch_page("views/topics.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def cards(at: AppTest) -> list[str]:
    """Topic ids in the order shown."""
    return [b.key.removeprefix("dismiss_") for b in at.button if (b.key or "").startswith("dismiss_")]


def heading(at: AppTest, tid: str) -> str:
    """The bold name line of a topic's card (the markdown just before its caption)."""
    texts = [m.value for m in at.markdown]
    names = [t for t in texts if t.startswith("**")]
    return names[cards(at).index(tid)]


def sql(db: Path, query: str, params=None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def test_growing_first_masked_and_read_only_without_a_login(db):
    at = page()
    shown = cards(at)
    assert shown and all(at.button(key=f"dismiss_{tid}").disabled for tid in shown)
    assert all(at.button(key=f"merge_{tid}").disabled for tid in shown)
    assert any("Hanya baca" in i.value for i in at.info)
    first = heading(at, shown[0])
    assert "biaya" in first and "naik" in first  # the growing fee theme first
    assert not any("naik" in heading(at, tid) for tid in shown[1:] if "biaya" not in heading(at, tid))
    text = "\n".join(m.value for m in at.markdown)
    assert "0812" not in text and "TELEPON" in text  # examples are masked
    assert any("mirip kategori" in heading(at, tid) for tid in shown)  # the OTP texts the model knows
    assert "Topik baru" in at.title[0].value


def test_english_from_the_switch(db):
    at = page(lang="en")
    assert at.title[0].value == "New topics"
    assert "growing" in heading(at, cards(at)[0])
    assert any("Read only" in i.value for i in at.info)


def test_a_viewer_cannot_act_and_an_analyst_can(db):
    viewer = page({"email": "v@imigrasi.go.id", "is_logged_in": True})
    tid = cards(viewer)[0]
    assert not viewer.text_input  # the promotion forms are drawn only when their expander is opened
    viewer.session_state[f"promote_open_{tid}"] = True
    viewer.run()
    assert viewer.button(key=f"dismiss_{tid}").disabled and viewer.text_input(key=f"lid_{tid}").disabled
    assert sql(db, "SELECT count(*) FROM topics") == [(0,)]
    analyst = page({"email": "ana@imigrasi.go.id", "is_logged_in": True})
    assert not analyst.button(key=f"dismiss_{tid}").disabled
    analyst.button(key=f"dismiss_{tid}").click().run()
    assert sql(db, "SELECT status, decided_by FROM topics WHERE topic_id = ?", [tid]) == [
        ("dismissed", "ana@imigrasi.go.id")
    ]
    assert tid not in cards(analyst) and any("diputuskan" in c.value for c in analyst.caption)


def test_a_local_analyst_merges_and_promotes(db, monkeypatch, tmp_path):
    monkeypatch.setenv("SUARA_LOCAL_USER", "rina")
    at = page()
    shown = cards(at)
    fee = next(tid for tid in shown if "biaya" in heading(at, tid))
    other = next(tid for tid in shown if "biaya" not in heading(at, tid) and "mirip" not in heading(at, tid))
    at.selectbox(key=f"into_{other}").set_value("account_login").run()
    at.button(key=f"merge_{other}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    n = sql(db, "SELECT count(*) FROM topic_members WHERE topic_id = ?", [other])[0][0]
    assert n and sql(db, "SELECT count(*) FROM label_proposals WHERE category = 'account_login'") == [(n,)]
    assert any("Pelabelan" in s.value for s in at.success)
    with duckdb.connect(str(db), read_only=True) as con:
        assert list(review_queue(con, n=1).iloc[0]["proposed"]) == ["account_login"]

    at.session_state[f"promote_open_{fee}"] = True  # opening the expander draws its form
    at.run()
    at.text_input(key=f"id_{fee}").set_value("biaya_percepatan")
    at.text_input(key=f"lid_{fee}").set_value("Biaya percepatan")
    at.text_input(key=f"len_{fee}").set_value("Expedite fee")
    at.text_area(key=f"desc_{fee}").set_value("Asked to pay a fee to speed up the passport.")
    submit = next(b for b in at.button if (b.key or "") == f"promote_go_{fee}")
    submit.click().run()
    assert not at.exception, [e.value for e in at.exception]
    tax = load_taxonomy()
    assert (
        tax.get("biaya_percepatan").added_by == "rina"
        and tax.get("biaya_percepatan").label_en == "Expedite fee"
    )
    size = sql(db, "SELECT count(*) FROM topic_members WHERE topic_id = ?", [fee])[0][0]
    assert sql(
        db, "SELECT count(*) FROM labels WHERE origin = 'human' AND category = 'biaya_percepatan'"
    ) == [(size,)]
    text = "\n".join(m.value for m in at.markdown)
    assert "belum cukup contoh" in text and "/20" in text and "rina" in text
    assert any("Biaya percepatan" in s.value for s in at.success) or "biaya_percepatan" in text


def test_a_topic_alert_on_peringatan_links_to_the_page(db):
    from suara import topic_records
    from suara.store import Store
    from tests.test_topics import UNTIL

    topic_records.nightly_step(lambda: Store(db), 5, UNTIL)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("views/alerts.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("topik baru naik" in e.label for e in at.expander)
    assert any("biaya" in m.value and "New topic growing" in m.value for m in at.markdown)
