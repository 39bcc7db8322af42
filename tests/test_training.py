"""Training from several labelled sources: weights, kinds, deduplication, the analysts' share held out,
[train] configuration and --data specs, and the sources recorded in metrics.json.

Every labelled file here is written by hand in tmp_path (a few dozen short texts: each fit takes a second).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from suara.cli import app
from suara.config import ConfigError, Settings
from suara.human_labels import save_human_labels
from suara.store import Store
from suara.training import (
    DEFAULT,
    HUMAN,
    REAL_TRAIN_FILE,
    TRAIN_FILE,
    TrainConfig,
    TrainingInputError,
    TrainSource,
    held_out,
    load_sources,
    parse_source,
    split_human,
    train_config,
    train_model,
)

runner = CliRunner()

# Hand-written, ten per category: enough for 5-fold thresholds, small enough to fit in a second.
WRITTEN = {
    "app_error": [
        "aplikasi error terus",
        "aplikasinya force close setiap dibuka",
        "server sibuk terus dari pagi",
        "loading terus tidak selesai",
        "aplikasi tidak bisa dibuka sama sekali",
        "layar putih terus setelah update",
        "aplikasi keluar sendiri",
        "sistem sedang gangguan katanya",
        "error terus pas mau masuk menu",
        "maintenance terus tiap hari",
    ],
    "otp_not_received": [
        "kode otp tidak masuk",
        "otp nggak dikirim ke hp saya",
        "kode verifikasi tidak pernah sampai",
        "email aktivasi tidak masuk",
        "sms otp tidak datang",
        "otp telat masuknya",
        "kode otp ditolak terus",
        "kode verifikasi belum diterima",
        "tidak menerima kode otp",
        "otp tidak terkirim ke email",
    ],
    "quota_full": [
        "kuota selalu penuh",
        "tidak ada jadwal tersedia",
        "kuota habis terus",
        "slot langsung habis dalam menit",
        "jadwal penuh sampai bulan depan",
        "kuota kantor penuh",
        "antrian penuh terus",
        "tidak ada kuota sama sekali",
        "kuotanya habis tiap hari",
        "jadwal kosong tidak ada",
    ],
    "praise": [
        "aplikasinya sangat membantu",
        "mantap pelayanannya",
        "terima kasih sangat memudahkan",
        "bagus sekali aplikasinya",
        "prosesnya cepat dan mudah",
        "keren aplikasinya",
        "mantap sekali",
        "pelayanan memuaskan",
        "sangat bagus",
        "luar biasa membantu",
    ],
}
# Texts close to the app_error ones, labelled otp_not_received: a source that contradicts WRITTEN.
CONTRADICTING = [
    "aplikasi error terus menerus",
    "aplikasinya force close lagi dan lagi",
    "server sibuk terus sejak kemarin",
    "loading terus dan tidak pernah selesai",
    "error terus waktu mau masuk",
    "aplikasi keluar sendiri terus",
]


def write_labelled(path: Path, rows: list[tuple[str, list[str]]]) -> Path:
    path.write_text(
        "".join(json.dumps({"text": t, "labels": labels}, ensure_ascii=False) + "\n" for t, labels in rows),
        encoding="utf-8",
    )
    return path


def written_rows() -> list[tuple[str, list[str]]]:
    return [(t, [c]) for c, texts in WRITTEN.items() for t in texts]


def fit(config: TrainConfig, human=()):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return train_model(load_sources(config, list(human)), test=None)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_config(tmp_path: Path, train_table: str) -> Path:
    cfg = tmp_path / "suara.toml"
    cfg.write_text(f'[suara]\ndb = "suara.duckdb"\n\n[train]\n{train_table}\n', encoding="utf-8")
    return cfg


def one_line(result) -> bool:
    return len(result.output.strip().splitlines()) == 1


# -- weights and kinds ----------------------------------------------------------------------------
def test_a_sources_weight_changes_the_fit(tmp_path):
    a = write_labelled(tmp_path / "a.jsonl", written_rows())
    b = write_labelled(tmp_path / "b.jsonl", [(t, ["otp_not_received"]) for t in CONTRADICTING])
    probe = ["aplikasi error terus dari tadi", "server sibuk terus"]
    light, _ = fit(TrainConfig((TrainSource(a), TrainSource(b, weight=0.0001)), human=False))
    heavy, _ = fit(TrainConfig((TrainSource(a), TrainSource(b, weight=10.0)), human=False))
    assert light.version != heavy.version  # same texts, other weights: another model, another directory
    assert all("otp_not_received" not in p for p in light.predict(probe))
    assert all("otp_not_received" in p for p in heavy.predict(probe))
    otp = light.categories.index("otp_not_received")
    assert (heavy.scores(probe)[:, otp] > light.scores(probe)[:, otp] + 0.3).all()


def test_weights_and_real_flags_follow_each_texts_source(tmp_path):
    a = write_labelled(tmp_path / "a.jsonl", written_rows()[:5])
    r = write_labelled(tmp_path / "r.jsonl", [("kuota penuh terus dari kemarin", ["quota_full"])])
    human = [("play_store:1", "otp tidak masuk masuk", ["otp_not_received"], None)]
    cfg = TrainConfig(
        (TrainSource(a, weight=0.5), TrainSource(r, weight=3.0, kind="real")),
        human_weight=2.0,
        human_holdout=0.0,
    )
    ts = load_sources(cfg, human)
    assert ts.weights.tolist() == [0.5] * 5 + [3.0, 2.0]
    assert ts.real.tolist() == [False] * 5 + [True, True]  # analysts' labels count as real


def test_a_text_in_several_sources_is_trained_once_with_the_last_labels(tmp_path):
    a = write_labelled(
        tmp_path / "a.jsonl",
        [
            ("Kode OTP tidak masuk", ["otp_not_received"]),
            ("kuota penuh", ["quota_full"]),
            ("bagus", ["praise"]),
        ],
    )
    b = write_labelled(
        tmp_path / "b.jsonl", [("kode  otp tidak MASUK", ["account_login"]), ("bagus", ["praise"])]
    )
    human = [("play_store:9", "kuota penuh", ["quota_full", "office_unavailable"], None)]
    cfg = TrainConfig((TrainSource(a), TrainSource(b, weight=4.0)), human_holdout=0.0)
    ts = load_sources(cfg, human)
    rows = dict(zip(ts.texts, ts.labels, strict=True))
    assert len(ts.texts) == 3
    assert rows["kode  otp tidak MASUK"] == ["account_login"]  # the later file wins (case, spaces aside)
    assert rows["kuota penuh"] == ["office_unavailable", "quota_full"]  # the analyst wins over every file
    assert [(s["rows"], s["used"]) for s in ts.sources] == [(3, 0), (2, 2), (1, 1)]
    assert ts.weights[ts.texts.index("bagus")] == 4.0


# -- the analysts' share held out for the gate ------------------------------------------------------
def test_a_fixed_share_of_analysts_labels_is_held_out_by_feedback_id(tmp_path):
    rows = [(f"play_store:r{i}", f"teks ulasan nomor {i}", ["app_error"], None) for i in range(400)]
    train, hold = split_human(rows, 0.2)
    assert 50 < len(hold) < 110 and len(train) + len(hold) == 400
    assert split_human(list(reversed(rows)), 0.2)[1] == list(reversed(hold))  # by id, not by position
    assert {r[0] for r in hold} == {r[0] for r in rows if held_out(r[0], 0.2)}
    assert split_human(rows, 0.0) == (rows, [])
    a = write_labelled(tmp_path / "a.jsonl", [(hold[0][1], ["praise"]), ("tidak ada hubungannya", [])])
    ts = load_sources(TrainConfig((TrainSource(a),), human_holdout=0.2), rows)
    trained = set(ts.texts)
    assert not trained & {t for _, t, *_ in hold}  # never trained on, not even through a file
    assert ts.human_holdout == hold
    assert ts.sources[0]["in_holdout"] == 1 and ts.sources[1]["held_out"] == len(hold)
    off = load_sources(TrainConfig((TrainSource(a),), human=False), rows)
    assert off.texts == ["tidak ada hubungannya"] and off.human_holdout == hold  # still held out for the gate


# -- configuration ----------------------------------------------------------------------------------
def test_the_built_in_default_is_the_written_set_the_real_set_and_the_analysts():
    cfg = train_config(Settings())
    assert cfg is DEFAULT
    assert [(s.path, s.kind, s.weight, s.optional) for s in cfg.sources] == [
        (TRAIN_FILE, "written", 1.0, False),
        (REAL_TRAIN_FILE, "real", 1.0, True),
    ]
    assert (cfg.human, cfg.human_weight, cfg.human_holdout) == (True, 2.0, 0.2)
    assert cfg.holdout[0].name == "mpaspor_play_dev_labelled.jsonl"


def test_train_table_paths_are_relative_to_the_config_file(tmp_path):
    from suara.config import load_settings

    cfg = write_config(
        tmp_path,
        'sources = [{ path = "labels/a.jsonl", weight = 0.5 }, { path = "r.jsonl", kind = "real", optional = true }]\n'
        'human_weight = 3\nholdout = ["dev.jsonl"]',
    )
    train = train_config(load_settings(cfg))
    assert [(s.path, s.weight, s.kind, s.optional) for s in train.sources] == [
        (tmp_path / "labels/a.jsonl", 0.5, "written", False),
        (tmp_path / "r.jsonl", 1.0, "real", True),
    ]
    assert train.human and train.human_weight == 3.0 and train.holdout == (tmp_path / "dev.jsonl",)


@pytest.mark.parametrize(
    "table, words",
    [
        ("colour = 1", "unknown keys ['colour']"),
        ('sources = [{ path = "a.jsonl", kind = "fake" }]', "kind must be one of written, real"),
        ('sources = [{ path = "a.jsonl", weight = 0 }]', "sources[1] weight must be a number > 0"),
        ('sources = [{ path = "a.jsonl", weight = "2" }]', "sources[1] weight must be a number > 0"),
        ('sources = [{ path = "a.jsonl", file = "b" }]', "sources[1] has unknown keys ['file']"),
        ("sources = [{ weight = 2.0 }]", "sources[1] has no path"),
        ('sources = "a.jsonl"', "sources must be a list"),
        ('human = "yes"', "human must be true or false"),
        ("human_weight = -1", "human_weight must be a number > 0"),
        ("human_holdout = 1.0", "human_holdout must be a share"),
        ('holdout = "dev.jsonl"', "holdout must be a list"),
    ],
)
def test_a_bad_train_table_is_one_clear_line(tmp_path, table, words):
    cfg = write_config(tmp_path, table)
    result = runner.invoke(app, ["train", "--config", str(cfg), "--models-dir", str(tmp_path / "models")])
    assert result.exit_code == 2 and one_line(result), result.output
    assert "[train]" in result.output and words in result.output
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize(
    "spec, words",
    [
        ("missing.jsonl", "file missing.jsonl not found"),
        ("missing.jsonl:2", "file missing.jsonl not found"),
        ("{a}:abc", "weight 'abc' is not a number > 0"),
        ("{a}:0", "weight '0' is not a number > 0"),
        ("{a}:-1", "weight '-1' is not a number > 0"),
        ("{a}:nan", "weight 'nan' is not a number > 0"),
        ("{a}:", "weight '' is not a number > 0"),
    ],
)
def test_a_bad_data_spec_is_one_line_and_exit_1(tmp_path, monkeypatch, spec, words):
    monkeypatch.chdir(tmp_path)
    a = write_labelled(tmp_path / "a.jsonl", written_rows())
    spec = spec.format(a=a)
    result = runner.invoke(app, ["train", "--data", spec, "--db", "x.duckdb", "--models-dir", "models"])
    assert result.exit_code == 1 and one_line(result), result.output
    assert f"--data {spec}" in result.output and words in result.output
    assert not (tmp_path / "models").exists()


def test_parse_source_reads_the_weight_and_keeps_the_kind(tmp_path):
    a = write_labelled(tmp_path / "a.jsonl", written_rows())
    assert parse_source(str(a)) == TrainSource(a, 1.0, "written")
    assert parse_source(f"{a}:2.5", "real", "--real") == TrainSource(a, 2.5, "real")
    with pytest.raises(TrainingInputError, match="--real"):
        parse_source(f"{a}:x", "real", "--real")


def test_too_few_texts_is_one_line(tmp_path):
    few = write_labelled(tmp_path / "few.jsonl", written_rows()[:4])
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(few),
            "--db",
            str(tmp_path / "x.duckdb"),
            "--models-dir",
            str(tmp_path / "m"),
        ],
    )
    assert result.exit_code == 1, result.output
    (error,) = [line for line in result.output.splitlines() if "error" in line]  # after the progress notes
    assert "only 4 texts to train on" in error and result.output.rstrip().endswith(error)
    with Store(tmp_path / "x.duckdb") as store:
        assert store.con.execute("SELECT status FROM runs WHERE job = 'train'").fetchall() == [("failed",)]
        assert store.current_model() is None


def test_a_required_source_that_is_missing_is_an_error(tmp_path):
    cfg = write_config(tmp_path, 'sources = [{ path = "not-here.jsonl" }]')
    result = runner.invoke(app, ["train", "--config", str(cfg), "--models-dir", str(tmp_path / "models")])
    assert result.exit_code == 2 and one_line(result), result.output
    assert "not-here.jsonl" in result.output and "optional = true" in result.output
    with pytest.raises(ConfigError, match="not found"):
        load_sources(TrainConfig((TrainSource(tmp_path / "nope.jsonl"),)))


# -- through the CLI: the shared real set absent, sources in metrics.json -----------------------------
def test_without_the_shared_real_set_the_written_set_alone_trains(tmp_path):
    write_labelled(tmp_path / "written.jsonl", written_rows())
    cfg = write_config(
        tmp_path,
        'sources = [\n  { path = "written.jsonl", weight = 1.5 },\n'
        '  { path = "no-shared/real/train.jsonl", kind = "real", optional = true },\n]\n'
        'holdout = ["no-shared/real/dev.jsonl"]',
    )
    models = tmp_path / "models"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = runner.invoke(app, ["train", "--config", str(cfg), "--models-dir", str(models)])
    assert result.exit_code == 0, result.output
    assert (
        "skipped optional training source" in result.output and "no-shared/real/train.jsonl" in result.output
    )
    assert "skipped holdout file" in result.output
    assert "promoted model" in result.output and "no current model" in result.output
    (saved,) = models.iterdir()
    metrics = json.loads((saved / "metrics.json").read_text())["metrics"]
    written = tmp_path / "written.jsonl"
    assert metrics["sources"] == [
        {
            "path": str(written),
            "kind": "written",
            "weight": 1.5,
            "sha256": sha256(written),
            "rows": 40,
            "used": 40,
            "in_holdout": 0,
        },
        {
            "path": HUMAN,
            "kind": "human",
            "weight": 2.0,
            "sha256": hashlib.sha256(b"").hexdigest(),
            "held_out": 0,
            "rows": 0,
            "used": 0,
            "in_holdout": 0,
        },
    ]
    assert metrics["n_train"] == 40 and metrics["n_real"] == 0 and metrics["seed"] == 0
    assert "validation_real" not in metrics  # no real reviews: no figure that claims to be about them
    assert metrics["promotion"]["promoted"] and metrics["holdout"] == {"n": 0, "files": [], "human": 0}
    with Store(tmp_path / "suara.duckdb") as store:
        current = store.current_model()
        (run,) = store.con.execute("SELECT status, message FROM runs WHERE job = 'train'").fetchall()
    assert current["version"] == saved.name and current["metrics"]["sources"][0]["sha256"] == sha256(written)
    assert run == ("success", f"promoted model {saved.name}: no current model to compare with")
    status = runner.invoke(app, ["status", "--config", str(cfg)])
    assert "trained on: written.jsonl (written, weight 1.5, 40/40 rows)" in status.output
    assert "real reviews" not in status.output


def test_data_and_real_options_replace_the_configured_sources(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_labelled(tmp_path / "written.jsonl", written_rows())
    real = write_labelled(tmp_path / "real.jsonl", [(t, ["otp_not_received"]) for t in CONTRADICTING])
    cfg = write_config(tmp_path, 'sources = [{ path = "not-here.jsonl" }]\nholdout = []')
    with Store(tmp_path / "suara.duckdb") as store:
        store.upsert_feedback(
            [
                {
                    "source": "play_store",
                    "native_id": "h1",
                    "app_id": "mpaspor",
                    "text": "otp lama sekali",
                    "created_at": "2026-03-01T08:00:00Z",
                },
            ]
        )
        save_human_labels(store, [("play_store:h1", ["otp_not_received"], "analis")])
    args = ["train", "--config", str(cfg), "--models-dir", "models", "--data", "written.jsonl:0.5"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = runner.invoke(app, [*args, "--real", f"{real}:3", "--no-human"])
    assert result.exit_code == 0, result.output
    (saved,) = (tmp_path / "models").iterdir()
    sources = json.loads((saved / "metrics.json").read_text())["metrics"]["sources"]
    assert [(Path(s["path"]).name, s["kind"], s["weight"], s["used"]) for s in sources] == [
        ("written.jsonl", "written", 0.5, 40),
        ("real.jsonl", "real", 3.0, 6),
    ]
    metrics = json.loads((saved / "metrics.json").read_text())["metrics"]
    assert metrics["n_real"] == 6
    # the real reviews' own out-of-fold figures: the six texts, all otp_not_received
    real_only = metrics["validation_real"]
    assert real_only["n"] == 6 and real_only["per_category"]["otp_not_received"]["support"] == 6
    assert real_only["per_category"]["app_error"]["support"] == 0 and metrics["validation"]["n"] == 46
    status = runner.invoke(app, ["status", "--config", str(cfg)]).output
    assert f"{real_only['macro_f1_headline']:.3f} on its real reviews" in status
