"""The benchmark's output: the machine and versions it ran on, one rich table, and results.json."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from rich.console import Console
from rich.table import Table


def machine() -> dict:
    """Cores, memory and CPU model: the context without which the absolute figures mean little."""
    cpu, mem_kb = platform.processor() or "unknown", None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024**2, 1) if mem_kb else None,
        "cpu_model": cpu,
        "platform": platform.platform(),
    }


def versions() -> dict:
    out = {"python": platform.python_version()}
    for name, dist in (("suara", "suara"), ("duckdb", "duckdb"), ("sklearn", "scikit-learn"),
                       ("streamlit", "streamlit"), ("pandas", "pandas"), ("pyarrow", "pyarrow")):  # fmt: skip
        try:
            out[name] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def figure(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"
    if unit in ("macro-F1", "F1", "precision"):
        return f"{value:.3f}"
    if unit == "ms":
        return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"
    return f"{value:,.0f} {unit}"


def ratio_text(ratio: float | None) -> str:
    """A ratio as "3.1x"; below 1 (a share of a floor's speed) with two decimals, "0.62x"."""
    if not ratio:
        return ""
    return f"{ratio:.2f}x" if ratio < 1 else f"{ratio:.1f}x"


def size_text(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,}"


def table(rows: list[dict], title: str) -> Table:
    t = Table(title=title, title_justify="left", show_lines=False)
    for col, just in (("stage", "left"), ("size", "right"), ("figure", "right"), ("target", "left"),
                      ("ok", "center"), ("naive way / baseline", "left"), ("ratio", "right"),
                      ("peak RSS", "right"), ("wall", "right"), ("CPU", "right")):  # fmt: skip
        t.add_column(col, justify=just)
    for r in rows:
        if r["status"] != "ok":
            colour = "red" if r["status"] == "error" else "yellow"
            t.add_row(r["label"], size_text(r["size"]), f"[{colour}]{r['status']}[/]", r.get("target") or "", "",
                      r["note"][:70], "", "", "", "")  # fmt: skip
            continue
        ok = {True: "[green]pass[/]", False: "[bold red]FAIL[/]", None: "–"}[r["ok"]]
        naive = ""
        if r["vs"]:
            naive = r["vs"] + (f": {figure(r['naive'], r['naive_unit'])}" if r["naive"] is not None else "")
        t.add_row(
            r["label"],
            size_text(r["size"]),
            figure(r["value"], r["unit"]),
            r["target"] or "",
            ok,
            naive,
            ratio_text(r["ratio"]),
            f"{r['rss_mb']:,.0f} MB" if r["rss_mb"] else "",
            figure(r["seconds"], "s") if r["seconds"] is not None else "",
            figure(r["cpu"], "s") if r.get("cpu") is not None else "",
        )
    return t


def print_report(console: Console, results: dict) -> None:
    m, v = results["machine"], results["versions"]
    title = (
        f"Suara benchmarks, {results['date']}: {m['cores']} cores, {m['memory_gb']} GB, {m['cpu_model']}; "
        f"Python {v['python']}, DuckDB {v['duckdb']}, scikit-learn {v['sklearn']}, Streamlit {v['streamlit']}"
    )
    console.print(table(results["rows"], title))
    notes = [f"{r['label']} ({size_text(r['size'])}): {r['note']}" for r in results["rows"] if r["note"]]
    if notes:
        console.print("Notes:", style="bold")
        for note in notes:
            console.print(f"  - {note}", highlight=False, markup=False)
    missed = [r for r in results["rows"] if r["ok"] is False]
    errors = [r for r in results["rows"] if r["status"] == "error"]
    console.print(
        f"Wall time {results['wall_seconds']:.0f} s; {len(missed)} target(s) missed; {len(errors)} stage error(s). "
        "Ratios against the naive way are what hold on a noisy machine; absolute times are indicative "
        "(CPU below wall time means the stage waited: for the disk, or for other processes on the machine)."
    )


def save(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")


def markdown(results: dict) -> str:
    """The table as Markdown, for bench/README.md: `python -m bench.report bench/results.json`."""
    m, v = results["machine"], results["versions"]
    lines = [
        f"{results['date'][:10]}, {m['cores']} cores, {m['memory_gb']} GB, {m['cpu_model']}; Python {v['python']}, "
        f"DuckDB {v['duckdb']}, scikit-learn {v['sklearn']}, Streamlit {v['streamlit']}; "
        f"`{results['command']}` took {results['wall_seconds']:.0f} s.",
        "",
        "| stage | size | figure | target | ok | naive way / baseline | ratio | peak RSS | wall | CPU |",
        "|---|--:|--:|---|:-:|---|--:|--:|--:|--:|",
    ]
    for r in results["rows"]:
        if r["status"] != "ok":
            lines.append(
                f"| {r['label']} | {size_text(r['size'])} | {r['status']} | | | {r['note']} | | | | |"
            )
            continue
        ok = {True: "pass", False: "**FAIL**", None: "–"}[r["ok"]]
        naive = (r["vs"] or "") + (
            f": {figure(r['naive'], r['naive_unit'])}" if r["naive"] is not None else ""
        )
        cells = [
            r["label"], size_text(r["size"]), figure(r["value"], r["unit"]), r["target"] or "", ok, naive,
            ratio_text(r["ratio"]), f"{r['rss_mb']:,.0f} MB" if r["rss_mb"] else "",
            figure(r["seconds"], "s") if r["seconds"] is not None else "",
            figure(r["cpu"], "s") if r.get("cpu") is not None else "",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(markdown(json.loads(Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results.json").read_text())))
