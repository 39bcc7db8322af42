"""Logging: readable stderr lines, JSON lines with rotation, and no personal data or secret anywhere."""

from __future__ import annotations

import io
import json
import logging

import pytest

from suara.logs import PiiFilter, reset_logging, setup_logging

NIK = "3273012345678901"
PHONE = "081234567890"
EMAIL = "budi.santoso@gmail.com"
PERSONAL = (NIK, "3273 0123 4567 8901", PHONE, "+62 812-3456-7890", EMAIL)


@pytest.fixture(autouse=True)
def clean_logging():
    level = logging.getLogger().level
    yield
    reset_logging()
    logging.getLogger().setLevel(level)


def emit_personal_data(log: logging.Logger) -> None:
    log.info("review says: NIK saya %s, hubungi %s", NIK, PHONE)
    log.warning("reply to %s or +62 812-3456-7890", EMAIL)
    log.error("kk 3273 0123 4567 8901 ditolak")
    try:
        raise ValueError(f"cannot parse review of {EMAIL} (NIK {NIK})")
    except ValueError:
        log.exception("source failed")


def test_no_personal_data_on_stderr_or_in_the_json_file(tmp_path):
    stream = io.StringIO()
    path = tmp_path / "logs" / "suara.jsonl"
    setup_logging(json_file=path, stream=stream)
    emit_personal_data(logging.getLogger("ingest.playstore"))
    text, lines = stream.getvalue(), path.read_text(encoding="utf-8").splitlines()
    for value in PERSONAL:
        assert value not in text and value not in "\n".join(lines), value
    assert "[NIK]" in text and "[TELEPON]" in text and "[EMAIL]" in text and "[KK]" in text
    assert "ValueError: cannot parse review of [EMAIL] (NIK [NIK])" in text  # tracebacks are masked too
    entries = [json.loads(line) for line in lines]
    assert [e["level"] for e in entries] == ["INFO", "WARNING", "ERROR", "ERROR"]
    assert entries[0]["logger"] == "ingest.playstore" and entries[0]["time"].endswith("Z")
    assert entries[0]["message"] == "review says: NIK saya [NIK], hubungi [TELEPON]"
    assert "[EMAIL]" in entries[3]["exception"] and EMAIL not in entries[3]["exception"]


def test_secret_values_are_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", "AAAAbearer-token-XYZ")
    monkeypatch.setenv("SUARA_WEBHOOK_URL", "https://hooks.example.com/services/T1/B2/abcdef")
    stream = io.StringIO()
    setup_logging(stream=stream)
    log = logging.getLogger("suara.test")
    log.warning("header Authorization: Bearer %s", "AAAAbearer-token-XYZ")
    log.warning("posting to https://hooks.example.com/services/T1/B2/abcdef failed")
    logging.getLogger("httpx").info("HTTP Request: POST https://hooks.example.com/services/T1/B2/abcdef")
    text = stream.getvalue()
    assert "bearer-token" not in text and "abcdef" not in text and text.count("[SECRET]") == 2
    assert "HTTP Request" not in text  # request logs of httpx stay quiet


def test_rotation_and_idempotent_setup(tmp_path):
    path = tmp_path / "suara.jsonl"
    stream = io.StringIO()
    setup_logging(json_file=path, stream=stream, max_bytes=2000, backup_count=2)
    setup_logging(json_file=path, stream=stream, max_bytes=2000, backup_count=2)  # replaces, not adds
    log = logging.getLogger("suara.test")
    log.info("once")
    assert stream.getvalue().count("once") == 1
    for i in range(200):
        log.info("line %d with some padding to fill the file quickly", i)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["suara.jsonl", "suara.jsonl.1", "suara.jsonl.2"]
    assert all(json.loads(x) for x in path.read_text().splitlines())


def test_filter_survives_a_broken_format_string():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value %d and %s", ("nope",), None)
    assert PiiFilter().filter(record) and record.getMessage() == "value %d and %s"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "call %s", (PHONE,), None)
    PiiFilter().filter(record)
    assert record.getMessage() == "call [TELEPON]"
