"""The monthly report stage: `suara report`'s work (report.build) for the newest month of the database.

Two figures: the first build in the process (it starts vl-convert's JavaScript engine and loads
reportlab's fonts, as a one-off `suara report` does) and the median of the next ones, each split
into gathering (the SQL aggregates, report.data.gather) and rendering (charts and PDF, report.pdf).
Each build is checked: a PDF with at least two pages' worth of bytes and the month's feedback count.
"""

from __future__ import annotations

import statistics

from bench.base import Ctx, Timer, peak_mb, row


def stage_report(ctx: Ctx) -> list[dict]:
    from report.data import gather, months_with_data
    from report.pdf import render

    db = ctx.db("cls") if ctx.db("cls").exists() else ctx.db("feed")
    month = months_with_data(db, limit=1)[0]

    def once() -> tuple[float, float, float, float]:
        with Timer() as g:
            data = gather(db, month)
        with Timer() as r:
            pdf = render(data)
        if not pdf.startswith(b"%PDF-") or len(pdf) < 20_000 or data.cur.n <= 0:
            raise RuntimeError(f"report for {month:%Y-%m} looks wrong: {len(pdf)} bytes, n={data.cur.n}")
        return g.wall + r.wall, g.wall, r.wall, g.cpu + r.cpu

    first = once()
    warm = [once() for _ in range(max(ctx.repeats // 2, 2))]
    total, gathered, rendered, cpu = (statistics.median(x[i] for x in warm) for i in range(4))
    return [
        row(
            "report",
            f"suara report, newest month ({month:%Y-%m})",
            ctx.size,
            total,
            "s",
            target="< 10 s",
            ok=total < 10,
            rss_mb=peak_mb(),
            seconds=total,
            note=f"median of {len(warm)}: gather {gathered:.2f} s + render {rendered:.2f} s; "
            f"first build {first[0]:.2f} s (starts vl-convert)",
        )  # fmt: skip
    ]
