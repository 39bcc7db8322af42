"""The predict stage: `suara predict` as a user runs it, end to end, on texts of real review lengths.

Issue 15's target is for the whole command: ``suara predict --in X --out Y`` >= 10,000 texts/s with a
peak below 500 MB on this 2-core machine, interpreter start, imports, model load, reading, scoring and
writing included. So the first row times the console script beside ``sys.executable`` (what the
user's shell runs) as a child process: wall time from start to exit, and that child's own CPU time and
peak RSS from ``os.wait4`` (its rusage alone, not a maximum over every child). The texts are
bench/lengths.py's: demo phrases at the lengths and sentence counts of real reviews.

The child gets ``--db``: a store in the work directory whose current model is the one the stages use
(``bench.base.model_dir``), which is how a plain ``suara predict`` picks its model, and works for a
``--models-dir`` outside data/models. The same command on one text gives the start-up cost (note).

The second row runs ``predict_stream`` on the same file in this process, the model loaded first and
not counted: what is left of the first row without the process and the model load. Where
../shared/real is beside the checkout, the third row is the first on the real reviews, their lines
repeated until there are as many as the first row's: a steadier figure than one pass over 16,954,
where start-up would weigh three times as much. The later passes find their words in the model's
word memo and the stemming cache, which flatters them a little; the synthetic texts, made of about
300 phrases, reuse their words even more. The real texts are written only to the run's work
directory and deleted with it.

Every run checks the output: one line per input, the ids in input order, so a no-op cannot look fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from itertools import cycle, islice
from pathlib import Path

from bench import lengths as L
from bench.base import NO_MODEL, Ctx, Timer, model_dir, peak_mb, row, skipped

TARGET_RATE, TARGET_MB = 10_000, 500
TARGET = f">= {TARGET_RATE:,} texts/s end to end, < {TARGET_MB} MB"
LABELS = {
    "predict": "suara predict end to end (whole process), real-length texts",
    "predict_inproc": "predict_stream in process (model loaded first), real-length texts",
    "predict_real": "suara predict end to end, real M-Paspor reviews (../shared/real)",
}


def console_script() -> Path:
    """The `suara` command installed beside this interpreter (the venv the user runs)."""
    script = Path(sys.executable).with_name("suara")
    if not script.exists():
        raise RuntimeError(
            f"{script}: no `suara` command beside {sys.executable}; install Suara into it (pip install -e .)"
        )
    return script


def run_child(args: list[str], log: Path) -> dict:
    """Run a command to its end: wall seconds, the child's own CPU seconds and peak RSS (MiB)."""
    with log.open("w", encoding="utf-8") as fh:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, env=os.environ.copy())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
    if proc.returncode:
        lines = [x for x in log.read_text(encoding="utf-8", errors="replace").splitlines() if x.strip()]
        raise RuntimeError(
            f"{' '.join(args)} exited with {proc.returncode}: {lines[-1] if lines else 'no output'}"
        )
    return {"seconds": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def input_figures(path: Path) -> tuple[list[str], float]:
    """The ids of a `suara predict` input, in order, and its mean text length."""
    ids, chars = [], 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line)
            ids.append(obj["id"])
            chars += len(obj["text"])
    return ids, chars / max(len(ids), 1)


def check_output(out: Path, ids: list[str]) -> None:
    """One output line per input, same ids in the same order: the work was done."""
    with out.open(encoding="utf-8") as fh:
        got = [json.loads(line)["id"] for line in fh]
    if got != ids:
        raise RuntimeError(
            f"{out}: {len(got):,} predictions for {len(ids):,} texts"
            + ("" if len(got) != len(ids) else " (ids differ or out of order)")
        )


def write_real_input(src: Path, n: int, dst: Path) -> int:
    """The first ``n`` lines of the real reviews as `suara predict` input, the file repeated as needed
    (ids get a ``-r<pass>`` suffix from the second pass on); returns how many distinct reviews it has."""
    with src.open(encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    if not records:
        raise RuntimeError(f"{src}: no reviews")
    with dst.open("w", encoding="utf-8") as fh:
        for i, rec in enumerate(islice(cycle(records), n)):
            rep = i // len(records)
            line = {"id": f"{rec['id']}-r{rep}" if rep else rec["id"], "text": rec["text"]}
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(records)


def end_to_end(ctx: Ctx, label_key: str, src: Path, cmd: list[str], work: Path, note: str) -> dict:
    out = work / f"out-{label_key}.jsonl"
    ids, mean_chars = input_figures(src)
    child = run_child([*cmd, "--in", str(src), "--out", str(out)], work / f"{label_key}.log")
    check_output(out, ids)
    out.unlink()
    rate = len(ids) / child["seconds"]
    return row(
        label_key, LABELS[label_key], ctx.size, rate, "texts/s", target=TARGET,
        ok=rate >= TARGET_RATE and child["rss_mb"] < TARGET_MB, rss_mb=child["rss_mb"],
        seconds=child["seconds"], cpu=child["cpu"],
        note=f"{len(ids):,} texts, mean {mean_chars:.0f} chars; {note}",
    )  # fmt: skip


def stage_predict(ctx: Ctx) -> list[dict]:
    """`suara predict` end to end on real-length texts, the same in process, and on the real reviews."""
    from nlp.model import load
    from nlp.predict import predict_stream
    from suara.model_files import ensure_registered
    from suara.store import Store

    path = model_dir(ctx)
    if path is None:
        return [skipped(key, label, ctx.size, NO_MODEL) for key, label in LABELS.items()]
    n = min(ctx.size, ctx.predict_cap)
    work = Path(ctx.work) / f"predict-{ctx.size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "store.duckdb"
    with Store(db) as store:
        version = ensure_registered(store, path)
    cmd = [str(console_script()), "predict", "--db", str(db)]
    corpus, generated = L.ensure_corpus(n, ctx.seed, Path(ctx.corpus_dir) if ctx.corpus_dir else L.CORPUS_DIR)
    made = f"; the texts generated in {generated:.1f} s (cached for later runs)" if generated else ""

    one = work / "one.jsonl"  # start-up and model load: the same command on one text
    with corpus.open(encoding="utf-8") as fh:
        one.write_text(fh.readline(), encoding="utf-8")
    startup = run_child([*cmd, "--in", str(one), "--out", str(work / "one-out.jsonl")], work / "one.log")
    check_output(work / "one-out.jsonl", input_figures(one)[0])
    whole = (
        f"`suara predict --db` (current model {version}), start to exit; the same command on 1 text "
        f"(start-up and model load) takes {startup['seconds']:.1f} s"
    )
    rows = [end_to_end(ctx, "predict", corpus, cmd, work, whole + made)]

    with Timer() as loading:
        model = load(path)
    out = work / "out-inproc.jsonl"
    with Timer() as timer:
        done = predict_stream(model, corpus, out)
    rss = peak_mb()
    check_output(out, input_figures(corpus)[0])
    rows.append(row(
        "predict_inproc", LABELS["predict_inproc"], ctx.size, done / timer.wall, "texts/s", rss_mb=rss,
        seconds=timer.wall, cpu=timer.cpu,
        note=f"{done:,} texts, model {model.version} (loaded in {loading.wall:.1f} s, not counted)",
    ))  # fmt: skip

    if L.REAL_FILE.exists():
        real = work / "real-input.jsonl"
        distinct = write_real_input(L.REAL_FILE, n, real)
        repeats = (
            f"the {distinct:,} reviews repeated to {n / distinct:.1f} times their number"
            if n > distinct
            else f"the first {n:,} of {distinct:,} reviews"
        )
        rows.append(end_to_end(ctx, "predict_real", real, cmd, work, f"{repeats}; model {version}"))
    else:
        rows.append(skipped("predict_real", LABELS["predict_real"], ctx.size, f"{L.REAL_FILE} is not here"))
    shutil.rmtree(work, ignore_errors=True)
    return rows
