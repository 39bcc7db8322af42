"""Shared fixtures: a temp database and a small set of feedback records."""

from __future__ import annotations

from pathlib import Path

import pytest

from suara.logs import reset_logging
from suara.store import Store


@pytest.fixture(autouse=True)
def _no_handler_outlives_its_test():
    """A command run in CliRunner (nightly) logs to the runner's stream; that handler must not stay on the
    root logger after the stream is closed, or every later log line prints a "Logging error" traceback."""
    yield
    reset_logging()


def make_records(
    n: int = 5, source: str = "play_store", text: str = "aplikasi error terus {i}"
) -> list[dict]:
    return [
        {
            "source": source,
            "native_id": f"r{i}",
            "app_id": "mpaspor",
            "author": f"Pengguna {i}",
            "text": text.format(i=i),
            "rating": 1 + i % 5,
            "app_version": "7.3.10",
            "created_at": f"2026-03-{1 + i % 28:02d}T08:00:00Z",
        }
        for i in range(n)
    ]


@pytest.fixture
def mpaspor_demo(tmp_path):
    """The M-Paspor rows of the demo file (6,000, as before other apps joined it), as their own file."""
    demo = Path(__file__).resolve().parent.parent / "data" / "demo" / "feedback.jsonl"
    lines = [line for line in demo.read_text(encoding="utf-8").splitlines() if '"app_id":"mpaspor"' in line]
    path = tmp_path / "feedback.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "suara.duckdb"


@pytest.fixture
def store(db_path):
    with Store(db_path) as s:
        yield s


@pytest.fixture
def asc_key(tmp_path, monkeypatch):
    """An App Store Connect key made for the test (ES256), named by the SUARA_ASC_* variables; returns
    the public key, to verify the JWTs the client signs."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = tmp_path / "AuthKey_TESTKEY123.p8"
    path.write_bytes(pem)
    monkeypatch.setenv("SUARA_ASC_KEY_ID", "TESTKEY123")
    monkeypatch.setenv("SUARA_ASC_ISSUER_ID", "57246542-96fe-1a63-e053-0824d011072a")
    monkeypatch.setenv("SUARA_ASC_PRIVATE_KEY_FILE", str(path))
    return key.public_key()


def seqs(store: Store, ids: list[str]) -> list[int]:
    """The stored ``seq`` of each of ``ids``, in their order: what a test's classified rows carry
    (``save_model_labels`` takes it from them, as classify takes it from the rows it read)."""
    of = dict(store.con.execute("SELECT id, seq FROM feedback WHERE list_contains(?, id)", [ids]).fetchall())
    return [of[i] for i in ids]


def label_stored(store: Store, ids: list[str], pairs: list[tuple[str, str]]) -> None:
    """Model labels (feedback id, category) for stored rows ``ids``, as model "m" at confidence 0.5
    and score 0.9: a fixture's labels without running a model."""
    import pyarrow as pa

    from suara.model_labels import save_model_labels

    hashes = store.known_hashes(ids)
    save_model_labels(
        store,
        pa.table({"feedback_id": ids, "feedback_seq": seqs(store, ids), "model_version": ["m"] * len(ids),
                  "content_hash": [hashes[i] for i in ids], "confidence": [0.5] * len(ids)}),
        pa.table({"feedback_id": [f for f, _ in pairs], "category": [c for _, c in pairs],
                  "score": [0.9] * len(pairs), "model_version": ["m"] * len(pairs)}),
    )  # fmt: skip
