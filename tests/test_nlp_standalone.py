"""nlp/ stands alone: it imports nothing from suara/, so it runs as a batch function anywhere.

The proof runs in a fresh interpreter where importing suara fails, from a directory outside the
repository: every nlp module imports, a text is preprocessed with the shipped lexicon, the office
matcher loads, and a tiny model is trained from a labelled file and predicts a JSONL file. A second
run points $SUARA_NLP_DATA_DIR at hand-written data files and sees them used. A static check keeps
any import of suara out of nlp/ in the first place.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlp import resources
from nlp.text import DOMAIN_TERMS, default_stemmer, place_words, preprocess, protected_words, slang_lexicon
from nlp.train import train

ROOT = Path(__file__).resolve().parent.parent
NLP_DIR = ROOT / "nlp"

# Installed before anything else: any import of suara or a submodule raises ImportError.
BLOCK_SUARA = """
import importlib.abc, sys

class NoSuara(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "suara" or name.startswith("suara."):
            raise ImportError(f"nlp imported {name}")
        return None

sys.meta_path.insert(0, NoSuara())
"""

IMPORT_ALL = """
import importlib, json, pkgutil, sys
import nlp

modules = sorted(m.name for m in pkgutil.iter_modules(nlp.__path__, "nlp."))
for name in modules:
    importlib.import_module(name)
try:
    import suara  # noqa: F401
except ImportError:
    blocked = True
else:
    blocked = False
"""

RUN_PIPELINE = """
from pathlib import Path
from nlp.dataset import load_labelled
from nlp.train import train
from nlp.offices import OfficeMatcher
from nlp.predict import predict_stream
from nlp.text import preprocess

work = Path(sys.argv[1])
cats = sys.argv[4].split(",")
texts, labels, _ = load_labelled(work / "train.jsonl", cats)
model, _ = train(texts, labels, cats, folds=2)
n = predict_stream(model, work / "in.jsonl", work / "out.jsonl")
out = [json.loads(line) for line in (work / "out.jsonl").read_text(encoding="utf-8").splitlines()]
print(json.dumps({
    "modules": modules,
    "blocked": blocked,
    "suara_loaded": sorted(m for m in sys.modules if m == "suara" or m.startswith("suara.")),
    "preprocess": preprocess(sys.argv[2]),
    "offices": OfficeMatcher.load().find(sys.argv[3]),
    "predicted": n,
    "labels": {row["id"]: row["labels"] for row in out},
}))
"""

TRAIN = [
    ("aplikasi error terus tidak bisa dibuka", ["app_error"]),
    ("force close setiap buka aplikasi", ["app_error"]),
    ("aplikasinya keluar sendiri waktu loading", ["app_error"]),
    ("server error dari pagi tidak bisa dibuka", ["app_error"]),
    ("kode otp tidak masuk ke email", ["otp_not_received"]),
    ("otp tidak pernah dikirim padahal sudah tunggu", ["otp_not_received"]),
    ("email kode verifikasi tidak sampai", ["otp_not_received"]),
    ("kode otp telat datang terus", ["otp_not_received"]),
    ("kuota selalu penuh tiap hari", ["quota_full"]),
    ("tidak ada jadwal kosong sama sekali", ["quota_full"]),
    ("kuota habis dalam hitungan menit", ["quota_full"]),
    ("slot antrian kuota penuh terus", ["quota_full"]),
]
CATS = ["app_error", "otp_not_received", "quota_full"]
PREDICT = {"a": "aplikasi force close terus tidak bisa dibuka", "b": "kuota habis penuh terus"}


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _run_without_suara(tmp_path: Path, text: str, office_text: str, env_data: Path | None = None) -> dict:
    work = tmp_path / "work"
    work.mkdir()
    _write_jsonl(work / "train.jsonl", [{"text": t, "labels": labs} for t, labs in TRAIN * 2])
    _write_jsonl(work / "in.jsonl", [{"id": k, "text": v} for k, v in PREDICT.items()])
    env = {k: v for k, v in os.environ.items() if k != resources.ENV_VAR}
    env["PYTHONPATH"] = str(ROOT)
    if env_data is not None:
        env[resources.ENV_VAR] = str(env_data)
    script = BLOCK_SUARA + IMPORT_ALL + RUN_PIPELINE
    proc = subprocess.run(
        [sys.executable, "-c", script, str(work), text, office_text, ",".join(CATS)],
        cwd=tmp_path,  # not the repository: nothing may depend on the working directory
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_nlp_runs_with_suara_unimportable(tmp_path):
    got = _run_without_suara(tmp_path, "gk bisa login, kanim jaksel penuhhh", "antri di kanim jaksel")
    expected = sorted(f"nlp.{p.stem}" for p in NLP_DIR.glob("*.py") if p.stem != "__init__")
    assert got["modules"] == expected
    assert got["blocked"] is True and got["suara_loaded"] == []
    # The shipped lexicon ("gk" -> "tidak") and gazetteer (Jakarta Selatan is a place) were found.
    assert got["preprocess"] == list(preprocess("gk bisa login, kanim jaksel penuhhh"))
    assert got["preprocess"][0].startswith("tidak bisa login")
    assert got["offices"] == ["kanim-jakarta-selatan"]
    assert got["predicted"] == 2
    assert "app_error" in got["labels"]["a"] and "quota_full" in got["labels"]["b"]
    # The same model as one trained here, where suara is importable.
    model, _ = train([t for t, _ in TRAIN * 2], [labs for _, labs in TRAIN * 2], CATS, folds=2)
    assert got["labels"] == dict(zip(PREDICT, model.predict(list(PREDICT.values())), strict=True))


def test_data_dir_from_the_environment(tmp_path):
    data = tmp_path / "nlpdata"
    (data / "lexicon").mkdir(parents=True)
    (data / "lexicon" / "slang.csv").write_text("slang,normal\nqwz,tidak bisa\n", encoding="utf-8")
    (data / "offices.csv").write_text(
        "office_id,name,office_class,city,province,aliases\n"
        "zorb,Kantor Imigrasi Kelas I TPI Zorbaland,I TPI,Zorbaland,Zorba Raya,kanim zrb\n",
        encoding="utf-8",
    )
    got = _run_without_suara(tmp_path, "qwz login di zorbaland, gk", "antri di kanim zrb", env_data=data)
    norm = got["preprocess"][0]
    assert norm.startswith("tidak bisa login di namatempat")
    assert norm.endswith(" gk"), "the shipped lexicon must not be read when the variable points elsewhere"
    assert got["offices"] == ["zorb"]


def test_loaders_take_their_files_as_arguments(tmp_path):
    slang = tmp_path / "slang.csv"
    slang.write_text("slang,normal\nqwz,tidak bisa\n", encoding="utf-8")
    gazetteer = tmp_path / "offices.csv"
    gazetteer.write_text(
        "office_id,name,office_class,city,province,aliases\n"
        "bks,Kantor Imigrasi Kelas I Non TPI Bekasi,I Non TPI,Bekasi,Jawa Barat,\n",
        encoding="utf-8",
    )
    assert slang_lexicon(slang) == {"qwz": "tidak bisa"}
    assert slang_lexicon(str(slang)) is slang_lexicon(slang)  # read once per path
    assert slang_lexicon() is slang_lexicon(resources.SLANG_FILE)
    assert "bekasi" in place_words(gazetteer) and "barat" not in place_words(gazetteer)
    assert "bekasi" in protected_words(gazetteer)
    assert default_stemmer(gazetteer)("bekasi") == "bekasi"  # Sastrawi alone would say "bekas"
    assert default_stemmer(gazetteer) is default_stemmer(gazetteer)
    assert default_stemmer() is default_stemmer(resources.OFFICES_FILE)
    missing = tmp_path / "absent.csv"
    assert slang_lexicon(missing) == {} and protected_words(missing) == DOMAIN_TERMS


def _suara_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found += [f"{path.name}:{node.lineno} {n}" for n in names if n == "suara" or n.startswith("suara.")]
    return found


def test_no_file_in_nlp_imports_suara():
    files = sorted(NLP_DIR.rglob("*.py"))
    assert len(files) >= 8
    assert [hit for f in files for hit in _suara_imports(f)] == []


def test_the_static_check_sees_an_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from suara.config import DATA_DIR\n    import suara\n", encoding="utf-8")
    assert _suara_imports(bad) == ["bad.py:2 suara.config", "bad.py:3 suara"]


@pytest.mark.parametrize("name", ["suara", "suara.config"])
def test_the_blocker_blocks(name):
    proc = subprocess.run(
        [sys.executable, "-c", BLOCK_SUARA + f"import {name}"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and f"nlp imported {name.split('.')[0]}" in proc.stderr
