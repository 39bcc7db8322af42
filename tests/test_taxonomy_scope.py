"""Categories scoped to apps (data/taxonomy.toml ``apps``): read, matched by key, Play package or App
Store id, dropped from the classifier's output for other apps, and offered per app in the dashboard."""

from __future__ import annotations

import pytest

from nlp import train as nlp_train
from suara.classify import classify_pending
from suara.config import MPASPOR, AppConfig
from suara.store import Store
from suara.taxonomy import app_identifiers, load_taxonomy

JKN = AppConfig(key="mobilejkn", name="Mobile JKN", play_package="app.bpjs.mobile")
TAXONOMY = """
[[category]]
id = "app_error"
label_id = "Error"
label_en = "Error"
description = "x"
gartner = "interaction"
harvard = "capacity"

[[category]]
id = "quota_full"
label_id = "Kuota"
label_en = "Quota"
description = "x"
gartner = "transaction"
harvard = "capacity"
apps = ["id.go.imigrasi.paspor_online", "1576336459"]
"""


def test_scope_is_read_and_matched_by_key_package_or_store_id(tmp_path):
    path = tmp_path / "taxonomy.toml"
    path.write_text(TAXONOMY, encoding="utf-8")
    tax = load_taxonomy(path)
    assert tax.get("app_error").apps == () and tax.get("quota_full").apps[0] == "id.go.imigrasi.paspor_online"
    assert tax.ids_for(app_identifiers("mpaspor", (MPASPOR,))) == ["app_error", "quota_full"]
    assert tax.ids_for(("ios-only", "1576336459")) == ["app_error", "quota_full"]  # by App Store id
    assert tax.ids_for(app_identifiers("mobilejkn", (MPASPOR, JKN))) == ["app_error"]
    assert tax.ids_for(app_identifiers("unknown")) == ["app_error"]  # not configured: its key only
    assert tax.shared_ids([app_identifiers("mpaspor", (MPASPOR,)), ("mobilejkn",)]) == ["app_error"]
    assert tax.shared_ids([app_identifiers("mpaspor", (MPASPOR,))]) == ["app_error", "quota_full"]


@pytest.mark.parametrize("value", ["[]", '"id.go.imigrasi.paspor_online"', "[1]", '[""]'])
def test_a_bad_scope_names_the_file_and_the_category(tmp_path, value):
    path = tmp_path / "taxonomy.toml"
    path.write_text(
        TAXONOMY.replace('apps = ["id.go.imigrasi.paspor_online", "1576336459"]', f"apps = {value}")
    )
    with pytest.raises(
        ValueError, match=r"taxonomy\.toml: category 'quota_full': apps must be a non-empty list"
    ):
        load_taxonomy(path)


def test_the_shipped_taxonomy_keeps_the_immigration_office_and_quota_for_m_paspor():
    tax = load_taxonomy()
    mpaspor = tax.ids_for(app_identifiers("mpaspor", (MPASPOR,)))
    other = tax.ids_for(app_identifiers("mobilejkn", (MPASPOR, JKN)))
    assert mpaspor == tax.ids
    assert set(tax.ids) - set(other) == {"office_unavailable", "quota_full"}
    assert {
        "app_error",
        "account_login",
        "otp_not_received",
        "payment_stuck",
        "service_support",
        "praise",
    } <= set(other)


def test_classifier_labels_outside_an_apps_scope_are_dropped(db_path):
    texts = ["kuota penuh terus", "kuota habis", "aplikasi error", "error terus"] * 3
    labels = [["quota_full"], ["quota_full"], ["app_error"], ["app_error"]] * 3
    model, _ = nlp_train.train(texts, labels, ["app_error", "quota_full"], folds=2)
    rows = [
        {"source": "play_store", "native_id": f"{app}{i}", "app_id": app, "text": text, "rating": 1,
         "created_at": "2025-01-01T00:00:00Z"}
        for app in ("mpaspor", "mobilejkn")
        for i, text in enumerate(["kuota penuh terus", "aplikasi error"])
    ]  # fmt: skip
    with Store(db_path) as store:
        store.upsert_feedback(rows)
        assert classify_pending(store, model, apps=(MPASPOR, JKN)) == 4
        got = store.con.execute(
            "SELECT f.app_id, l.category, count(*) FROM effective_labels l JOIN feedback f ON f.id = l.feedback_id "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    assert got == [("mobilejkn", "app_error", 1), ("mpaspor", "app_error", 1), ("mpaspor", "quota_full", 1)]
