"""`python -m bench --sizes 100000,1000000`: every stage at every size, one table, bench/results.json.

For each size the corpus is generated once (cached), then the stages run in order, each in its own
process (bench/stages.py) so that each one's peak memory is its own: import, replayed pages, predict,
stemming, classify, dashboard overview, every dashboard page in Chromium (bench/pages.py), monthly
report, nightly. The nightly also runs once on a small database (``--base``, 10k rows) so the table can say how its cost grows with the database, and the classifier's
quality (headline macro-F1 against the keyword baseline) is measured once.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from bench import corpus as C
from bench import report
from bench.base import Ctx, row, write_ctx

ROOT = Path(__file__).resolve().parent.parent
ORDER = ("import", "parse", "predict", "stem", "classify", "overview", "pages", "report", "nightly")
ONCE = ("quality", "realcv", "topics")  # stages that do not depend on the database size
# the database each stage reads
NEEDS = {
    "parse": "feed",
    "classify": "feed",
    "overview": "feed",
    "pages": "feed",
    "report": "feed",
    "nightly": "cls",
}
NIGHTLY_RATIO = 2.0

console = Console(stderr=True, highlight=False, soft_wrap=True)


def sizes(text: str) -> list[int]:
    """'100000,1M,10k' -> [10000, 100000, 1000000]."""
    out = []
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        mult = {"k": 1000, "m": 1_000_000}.get(part[-1], 1)
        try:
            n = int(float(part.rstrip("km")) * mult)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"--sizes: {part!r} is not a number of rows (e.g. 100000 or 1M)"
            ) from None
        if n < 100:
            raise argparse.ArgumentTypeError(f"--sizes: {n} rows is too few to measure anything; use >= 100")
        out.append(n)
    return sorted(set(out))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=sizes, default=sizes("100000,1000000"), help="database sizes in rows")
    p.add_argument("--seed", type=int, default=42, help="corpus seed (default 42)")
    p.add_argument(
        "--base", type=int, default=10_000, help="rows of the nightly's small database (default 10000)"
    )
    p.add_argument("--new-items", type=int, default=1000, help="new reviews the nightly finds (default 1000)")
    p.add_argument(
        "--nights", type=int, default=3, help="nightly runs per size, the median reported (default 3)"
    )
    p.add_argument("--repeats", type=int, default=7, help="runs of the overview queries (median; default 7)")
    p.add_argument("--naive-rows", type=int, default=5000, help="rows inserted one by one for the comparison")
    p.add_argument("--parse-cap", type=int, default=100_000, help="most reviews replayed as store pages")
    p.add_argument("--predict-cap", type=int, default=100_000, help="most texts run through predict")
    p.add_argument("--stem-texts", type=int, default=20_000, help="texts whose tokens are stemmed")
    p.add_argument("--stages", default=",".join(ONCE + ORDER), help=f"subset of {','.join(ONCE + ORDER)}")
    p.add_argument(
        "--models-dir", type=Path, default=None, help="where trained models are (default data/models)"
    )
    p.add_argument("--corpus-dir", type=Path, default=C.CORPUS_DIR, help="corpus cache and work files")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json", help="results file")
    p.add_argument("--profile", choices=ORDER, help="profile this stage with pyinstrument (times inflate)")
    p.add_argument("--keep", action="store_true", help="keep the work databases (for --stages reruns)")
    p.add_argument("--pages", default=None, help="the pages stage: only these url paths (e.g. topik,rating)")
    a = p.parse_args(argv)
    a.stages = [s.strip() for s in a.stages.split(",") if s.strip()]
    unknown = sorted(set(a.stages) - set(ONCE + ORDER))
    if unknown:
        p.error(f"--stages: unknown {unknown}; choose from {', '.join(ONCE + ORDER)}")
    return a


class Runner:
    """Starts stage processes and collects their rows; a crashed stage becomes an error row."""

    def __init__(self, args: argparse.Namespace, work: Path):
        self.args, self.work = args, work
        self.logs = work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SUARA_")}  # no user config
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

    def ctx(self, size: int, corpus: Path, stage: str) -> Ctx:
        a = self.args
        profile = None
        if a.profile == stage:
            profile = str(a.corpus_dir.resolve() / "profiles" / f"{stage}-{size}")
        return Ctx(
            size=size, seed=a.seed, corpus=str(corpus), work=str(self.work), corpus_dir=str(a.corpus_dir.resolve()),
            models_dir=str(a.models_dir.resolve()) if a.models_dir else None, naive_rows=a.naive_rows,
            parse_cap=a.parse_cap, predict_cap=a.predict_cap, stem_texts=a.stem_texts, repeats=a.repeats,
            new_items=a.new_items, nights=a.nights, profile=profile, pages=a.pages,
        )  # fmt: skip

    def run(self, stage: str, size: int, corpus: Path) -> list[dict]:
        ctx = self.ctx(size, corpus, stage)
        ctx_file = write_ctx(ctx, self.work / f"ctx-{stage}-{size}.json")
        result = self.work / f"result-{stage}-{size}.json"
        result.unlink(missing_ok=True)
        log = self.logs / f"{stage}-{size}.log"
        console.print(f"  {stage:<9} {report.size_text(size):>5} ...", end=" ")
        started = time.perf_counter()
        with log.open("w", encoding="utf-8") as fh:
            proc = subprocess.run(
                [sys.executable, "-m", "bench.stages", stage, "--ctx", str(ctx_file), "--result", str(result)],
                cwd=self.work, env=self.env, stdout=fh, stderr=subprocess.STDOUT, check=False,
            )  # fmt: skip
        elapsed = time.perf_counter() - started
        ctx_file.unlink(missing_ok=True)
        if proc.returncode or not result.exists():
            lines = [x for x in log.read_text(encoding="utf-8", errors="replace").splitlines() if x.strip()]
            why = lines[-1] if lines else f"exit code {proc.returncode}"
            console.print(f"[red]error[/] after {elapsed:.1f} s: {why} (log: {log})")
            return [row(stage, stage, size, None, "", status="error", note=f"{why} (log: {log})")]
        rows = json.loads(result.read_text(encoding="utf-8"))
        result.unlink()
        console.print(f"{elapsed:.1f} s")
        return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    args.corpus_dir.mkdir(parents=True, exist_ok=True)
    work = args.corpus_dir.resolve() / "work"
    runner = Runner(args, work)
    rows: list[dict] = []
    setup: dict = {}

    def corpus_for(size: int) -> Path:
        path, seconds = C.ensure_corpus(size, args.seed, args.corpus_dir)
        setup[f"corpus_{size}"] = {
            "file": path.name,
            "generated_seconds": round(seconds, 1) if seconds else None,
        }
        if seconds:
            console.print(f"  generated the {size:,}-row corpus in {seconds:.1f} s ({path.name})")
        return path

    def have(kind: str, size: int) -> bool:
        return (work / f"{kind}-{size}.duckdb").exists()

    if "quality" in args.stages:
        console.print("[bold]classifier quality[/]")
        rows += runner.run("quality", 0, Path())
    if "realcv" in args.stages:
        console.print("[bold]classifier: cross-validation on real reviews (six trainings)[/]")
        rows += runner.run("realcv", 0, Path())

    if "topics" in args.stages:
        console.print("[bold]topic discovery: 50,000 texts of real review lengths[/]")
        rows += runner.run("topics", 0, Path())

    base_nightly = None
    if "nightly" in args.stages:
        console.print(f"[bold]nightly baseline: {args.base:,} rows[/]")
        base_corpus = corpus_for(args.base)
        prep = runner.run("prepare", args.base, base_corpus)
        if prep:  # prepare returns rows only when something went wrong
            rows += prep
        elif have("cls", args.base):
            base_rows = runner.run("nightly", args.base, base_corpus)
            rows += base_rows
            base_nightly = {r["label"]: r for r in base_rows if r["status"] == "ok"}

    for size in args.sizes:
        console.print(f"[bold]{size:,} rows[/]")
        path = corpus_for(size)
        for stage in ORDER:
            if stage not in args.stages:
                continue
            needed = NEEDS.get(stage)
            if needed and not have(needed, size):
                why = (
                    "the import stage did not run or failed" if needed == "feed" else "nothing was classified"
                )
                rows.append(
                    row(stage, stage, size, None, "", status="skipped", note=f"needs its database: {why}")
                )
                continue
            stage_rows = runner.run(stage, size, path)
            if stage == "nightly" and size != args.base:
                for r in stage_rows:
                    compare_nightly(r, (base_nightly or {}).get(r["label"]), args.base)
            rows += stage_rows
        if not args.keep:
            for kind in ("feed", "cls"):
                (work / f"{kind}-{size}.duckdb").unlink(missing_ok=True)

    results = {
        "date": report.now(),
        "wall_seconds": round(time.perf_counter() - started, 1),
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "sizes": args.sizes,
        "seed": args.seed,
        "machine": report.machine(),
        "versions": report.versions(),
        "setup": setup,
        "rows": rows,
    }
    out = Console()
    if not out.is_terminal:  # a log file or a pipe: wide enough for the table's columns
        out = Console(width=170)
    report.print_report(out, results)
    report.save(results, args.out)
    console.print(f"results written to {args.out}")
    if args.profile:
        console.print(f"profiles in {args.corpus_dir / 'profiles'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if any(r["status"] == "error" for r in rows) else 0


def compare_nightly(r: dict, base: dict | None, base_size: int) -> None:
    """The nightly target (issue 18): on a big database at most 2x the same run on the small one. The
    full-copy night's backup is compared too, without a target: a full copy grows with the database."""
    if r["status"] != "ok" or base is None:
        return
    r.update(
        naive=base["value"],
        naive_unit="s",
        vs=f"same run on {report.size_text(base_size)} rows",
        ratio=r["value"] / base["value"],
    )
    if r["label"].startswith("suara nightly"):
        r["target"] = f"<= {NIGHTLY_RATIO:.0f}x the {report.size_text(base_size)} run"
        r["ok"] = r["ratio"] <= NIGHTLY_RATIO


if __name__ == "__main__":
    sys.exit(main())
