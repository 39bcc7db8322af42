"""The topics stage (run once, size-independent): topic discovery over a busy quarter's reviews.

``nlp.topics.discover`` (the `suara topics` grouping and naming, default k) over 50,000 texts of real
review lengths (bench/lengths.py); checked to find topics that cover at least half the texts.
"""

from __future__ import annotations

from bench.base import Ctx, Timer, peak_mb, row

TOPIC_TEXTS = 50_000
TOPIC_TARGET_S = 60.0


def stage_topics(ctx: Ctx) -> list[dict]:
    """``nlp.topics.discover`` (the `suara topics` grouping and naming, default k) over 50,000 texts of
    real review lengths (bench/lengths.py): the size of a busy quarter's uncategorised reviews."""
    from bench.lengths import generate
    from nlp.topics import discover

    texts = ["".join(parts) for parts in generate(TOPIC_TEXTS, ctx.seed)]
    with Timer() as timer:
        found = discover(texts)
    rss = peak_mb()
    covered = sum(t.size for t in found)
    if not found or covered < len(texts) // 2:
        raise RuntimeError(f"discovery found {len(found)} topics covering {covered} of {len(texts)} texts")
    return [
        row("topics", "topic discovery (nlp.topics.discover)", len(texts), timer.wall, "s",
            target=f"< {TOPIC_TARGET_S:.0f} s", ok=timer.wall < TOPIC_TARGET_S, rss_mb=rss,
            seconds=timer.wall, cpu=timer.cpu,
            note=f"{len(found)} topics over {covered:,} texts ({sum(t.distinct for t in found):,} distinct)"),
    ]  # fmt: skip
