"""The benchmark's stages, one process each: ``python -m bench.stages STAGE --ctx CTX.json --result OUT.json``.

A stage runs in a fresh interpreter (``bench/__main__.py`` starts it), so the peak resident memory it
reports (``getrusage(RUSAGE_SELF).ru_maxrss``, read right after the measured work and before any
naive comparison) is that stage's own. Every stage goes through Suara's real code path: the
``suara import`` command, the ingest parsers, the ``suara predict`` process (bench/predict.py),
``classify_pending``, the dashboard's query functions and ``run_nightly``. A stage returns table rows (see ``row``); it
checks that the work was really done (row counts, labels) so a fast figure cannot hide a no-op.

This module has the import, parse, stem and classify stages and runs any stage by name (``STAGES``);
the others are modules of their own (bench/overview.py, bench/nightly.py, bench/pages.py,
bench/monthly_report.py, bench/predict.py, bench/quality.py, bench/topics.py).

Databases live in the run's work directory: ``feed-N`` (imported), ``cls-N`` (classified); a stage
that writes works on a copy, so each stage sees the database the previous one left.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path

from bench import corpus as C
from bench.base import (
    NO_MODEL,
    Ctx,
    Timer,
    children_peak_mb,
    copy_db,
    count_rows,
    model_dir,
    peak_mb,
    remove_db,
    row,
    skipped,
)
from bench.monthly_report import stage_report
from bench.nightly import stage_nightly
from bench.overview import stage_overview
from bench.pages import stage_pages
from bench.predict import stage_predict
from bench.quality import stage_quality, stage_realcv
from bench.topics import stage_topics
from suara.model_labels import count_pending_classification


# -- 1. import ------------------------------------------------------------------------------------
def suara_cli(*args: str) -> None:
    """Run a `suara` command in this process, as a user would from the shell."""
    from suara.cli import app

    code = app(list(args), standalone_mode=False)
    if code not in (None, 0):
        raise RuntimeError(f"suara {' '.join(args)} exited with {code}")


def stage_import(ctx: Ctx) -> list[dict]:
    """`suara import` of the corpus into an empty file, then again (idempotent), each beside its floor
    from the same run (bench/floors.py); row-by-row INSERTs in the note."""
    from bench import floors

    db, corpus = ctx.db("feed"), Path(ctx.corpus)
    remove_db(db)
    with Timer() as first:
        suara_cli("import", ctx.corpus, "--db", str(db))
    rss_first = peak_mb()
    with Timer() as second:
        suara_cli("import", ctx.corpus, "--db", str(db))
    rss_second = peak_mb()
    stored, revisions = count_rows(db), count_rows(db, "feedback_revisions")
    if stored != ctx.size or revisions:
        raise RuntimeError(
            f"import stored {stored} rows and {revisions} revisions; expected {ctx.size} and 0"
        )
    ctas, pk, again = (
        floors.ctas(corpus, ctx.db("floor")),
        floors.pk_insert(corpus, ctx.db("floor")),
        floors.reimport(corpus, db),
    )
    n_naive = min(ctx.naive_rows, ctx.size)
    naive = naive_insert_rate(corpus, n_naive, ctx.db("naive"))
    rate, share = ctx.size / first.wall, pk.wall / first.wall
    return [
        row("import", "bulk import (suara import, empty file)", ctx.size, rate, "rows/s",
            target=">= 60% of the PK INSERT floor", ok=share >= 0.6, naive=ctx.size / pk.wall, naive_unit="rows/s",
            vs=f"INSERT with the same PK, {pk.wall:.2f} s (CTAS read_json {ctas.wall:.2f} s)", ratio=share,
            rss_mb=rss_first, seconds=first.wall, cpu=first.cpu,
            note=f"{share:.0%} of the PK INSERT floor's speed, {ctas.wall / first.wall:.0%} of CTAS read_json's; "
                 f"by CPU seconds {pk.cpu / first.cpu:.0%} (floor {pk.cpu:.2f} s, CTAS {ctas.cpu:.2f} s); "
                 f"row-by-row INSERT: {naive:,.0f} rows/s ({n_naive:,} rows)"),
        row("reimport", "re-import, same file (idempotent)", ctx.size, second.wall, "s",
            target="<= 2 s", ok=second.wall <= 2.0, naive=again.wall, naive_unit="s",
            vs="anti-join + hash comparison", ratio=again.wall / second.wall, rss_mb=rss_second,
            seconds=second.wall, cpu=second.cpu,
            note=f"0 rows changed, 0 revisions; {again.wall / second.wall:.0%} of the floor's speed, "
                 f"by CPU seconds {again.cpu / second.cpu:.0%} (floor {again.cpu:.2f} s)"),
    ]  # fmt: skip


def naive_insert_rate(path: Path, n: int, db: Path) -> float:
    """The naive way: parse each line and INSERT it on its own (autocommit); rows/s over ``n`` lines."""
    from suara.feedback_batch import author_hash, content_hash
    from suara.records import normalize
    from suara.store import Store, utcnow

    with path.open(encoding="utf-8") as fh:
        lines = list(islice(fh, n))
    remove_db(db)
    with Store(db) as store:
        sql = (
            "INSERT INTO feedback (id, source, app_id, native_id, author_hash, text, title, rating, app_version, "
            "lang, country, created_at, reply_text, replied_at, likes, url, raw, content_hash, first_seen_at, "
            "last_seen_at) VALUES (" + ", ".join(["?"] * 20) + ")"
        )
        now = utcnow()
        with Timer() as timer:
            for line in lines:
                r = normalize(json.loads(line))
                store.con.execute(sql, [
                    f"{r['source']}:{r['native_id']}", r["source"], r["app_id"], r["native_id"],
                    author_hash(r["author"], store.salt), r["text"], r["title"], r["rating"], r["app_version"],
                    r["lang"], r["country"], r["created_at"], r["reply_text"], r["replied_at"], r["likes"],
                    r["url"], r["raw"], content_hash(r["title"], r["text"], r["rating"]), now, now,
                ])  # fmt: skip
    remove_db(db)
    return n / timer.wall


# -- 2. replayed store pages -------------------------------------------------------------------------
def stage_parse(ctx: Ctx) -> list[dict]:
    """Play and App Store pages in wire format -> parse_page -> upsert_feedback, whole pages batched into
    transactions of up to ``ingest.incremental.BATCH_RECORDS`` records as the collector does it, into the
    database of this size (a copy); the network is left out."""
    from ingest import appstore, playstore
    from ingest.incremental import BATCH_RECORDS
    from suara.config import MPASPOR
    from suara.feedback_batch import to_batch_table
    from suara.store import Store

    records = C.fresh(min(ctx.size, ctx.parse_cap), ctx.seed + 101, "replay-")
    records.sort(key=lambda r: r["created_at"], reverse=True)  # newest first, as the services serve them
    play = C.play_pages(C.by_source(records, "play_store"))
    apple = [C.appstore_body(chunk, i % 10 + 1, 10) for i, chunk in enumerate(
        C.chunked(C.by_source(records, "app_store"), C.APPSTORE_PAGE))]  # fmt: skip
    db = copy_db(ctx.db("feed"), ctx.db("parse"))
    stored, parse_seconds, batches = 0, 0.0, 0
    with Timer() as timer, Store(db) as store:  # opening and closing (a checkpoint) count too
        pending: list[dict] = []

        def flush() -> int:
            nonlocal batches
            batches += bool(pending)
            counts = store.upsert_feedback(to_batch_table(pending, store.salt, validated=True))
            pending.clear()
            return counts.new

        for pages, parse in (
            (play, lambda body, i: playstore.parse_page(body, MPASPOR.key, MPASPOR.play_package, i, "id")),
            (apple, lambda body, i: appstore.parse_page(body, MPASPOR.key, "id", i % 10 + 1)),
        ):
            for i, body in enumerate(pages, start=1):
                t = time.perf_counter()
                page = parse(body, i)
                parse_seconds += time.perf_counter() - t
                if page.skipped:
                    raise RuntimeError(f"replayed page {i} had unreadable items: {page.skipped[:3]}")
                pending.extend(page.records)
                if len(pending) >= BATCH_RECORDS:
                    stored += flush()
        stored += flush()
    rss = peak_mb()
    n_pages = len(play) + len(apple)
    expected = sum(1 for r in records if r["source"] != "twitter")
    if stored != expected or count_rows(db) != ctx.size + expected:
        raise RuntimeError(f"stored {stored} new reviews from replayed pages; expected {expected}")
    remove_db(db)
    rate = stored / timer.wall
    return [
        row("parse", "replayed Play + App Store pages, parsed and stored", ctx.size, rate, "reviews/s",
            target=">= 20,000 reviews/s", ok=rate >= 20_000, rss_mb=rss, seconds=timer.wall, cpu=timer.cpu,
            note=f"{stored:,} reviews in {n_pages:,} pages, {batches} transactions, into the {ctx.size:,}-row "
            f"database; parsing {parse_seconds:.1f} s of it"),
    ]  # fmt: skip


# -- 3. stemming (predict: bench/predict.py) --------------------------------------------------------
def stage_stem(ctx: Ctx) -> list[dict]:
    """Stemming the corpus's content words with the per-token memo versus Sastrawi on every token."""
    from nlp.text import CachedStemmer, clean, normalize_tokens, protected_words, stop_words

    n = min(ctx.size, ctx.stem_texts)
    stops = stop_words()
    tokens = [
        t for rec in C.read_corpus(Path(ctx.corpus), n)
        for t in normalize_tokens(clean(rec["text"]).split()) if t not in stops and len(t) > 1
    ]  # fmt: skip
    stemmer = CachedStemmer(protected_words())
    with Timer() as timer:
        cached = [stemmer(t) for t in tokens]
    rss = peak_mb()
    sample = tokens[: ctx.stem_uncached]
    plain = CachedStemmer(protected_words())
    with Timer() as naive_timer:
        uncached = [plain.uncached(t) for t in sample]
    protected = protected_words()
    differ = sum(
        1 for t, a, b in zip(sample, cached, uncached, strict=False) if a != b and t not in protected
    )
    if differ:
        raise RuntimeError(f"cached and uncached stems differ on {differ} tokens")
    rate, naive = len(tokens) / timer.wall, len(sample) / naive_timer.wall
    return [
        row("stem", "stemming with the token cache", ctx.size, rate, "tokens/s", naive=naive,
            naive_unit="tokens/s", vs=f"Sastrawi on every token ({len(sample):,})", ratio=rate / naive,
            rss_mb=rss, seconds=timer.wall, cpu=timer.cpu,
            note=f"{len(tokens):,} tokens of {n:,} texts, {len(set(tokens)):,} distinct"),
    ]  # fmt: skip


# -- 4. classify -----------------------------------------------------------------------------------
def stage_classify(ctx: Ctx) -> list[dict]:
    """classify_pending over the whole database, then over 1% new rows (on a copy), with the model's
    sentiment model as `suara classify` runs it."""
    from nlp.model import load
    from suara.batch_scoring import default_workers
    from suara.classify import classify_pending
    from suara.model_files import ensure_registered
    from suara.model_labels import BATCH_ROWS
    from suara.sentiment import load_sentiment
    from suara.store import Store

    label = "suara classify, whole database"
    path = model_dir(ctx)
    if path is None:
        return [skipped("classify", label, ctx.size, NO_MODEL)]
    model = load(path)
    sentiment = load_sentiment(path)
    workers = default_workers(ctx.size, BATCH_ROWS)
    db = copy_db(ctx.db("feed"), ctx.db("cls"))
    with Store(db) as store:
        ensure_registered(store, path)
        with Timer() as full:
            done = classify_pending(store, model, sentiment=sentiment, workers=workers)
        left = count_pending_classification(store, model.version)
    rss_full = peak_mb()
    if done != ctx.size or left:
        raise RuntimeError(f"classified {done} of {ctx.size} rows, {left} left")
    extra = max(1, ctx.size // 100)
    inc = copy_db(db, ctx.db("inc"))
    with Store(inc) as store:
        added = store.upsert_feedback(C.fresh(extra, ctx.seed + 202, "inc-")).new
        with Timer() as incremental:
            again = classify_pending(
                store, model, sentiment=sentiment, workers=default_workers(added, BATCH_ROWS)
            )
        with Timer() as noop:
            nothing = classify_pending(store, model, sentiment=sentiment)
    rss_inc = peak_mb()
    remove_db(inc)
    if again != added or nothing:
        raise RuntimeError(f"incremental run classified {again} of {added} new rows, then {nothing}")
    rate = done / full.wall
    return [
        row("classify", label, ctx.size, rate, "rows/s", rss_mb=rss_full, seconds=full.wall, cpu=full.cpu,
            note=f"model {model.version}; labels, confidence, office mentions and sentiment stored; "
                 f"{workers} scoring worker(s), peak {children_peak_mb():,.0f} MB each"),
        row("classify_inc", f"suara classify after +1% new rows ({added:,})", ctx.size, incremental.wall, "s",
            naive=full.wall, naive_unit="s", vs="classifying everything again", ratio=full.wall / incremental.wall,
            rss_mb=rss_inc, seconds=incremental.wall, cpu=incremental.cpu,
            note=f"a run with nothing new takes {noop.wall:.2f} s"),
    ]  # fmt: skip


# -- setup for the nightly's small database ----------------------------------------------------------
def stage_prepare(ctx: Ctx) -> list[dict]:
    """Import and classify a corpus without measuring: the nightly's 10k baseline database."""
    stage_import_quiet(ctx)
    rows = stage_classify(ctx)
    return [] if rows[0]["status"] == "ok" else rows


def stage_import_quiet(ctx: Ctx) -> None:
    db = ctx.db("feed")
    remove_db(db)
    suara_cli("import", ctx.corpus, "--db", str(db))


# -- every stage by name --------------------------------------------------------------------------
STAGES: dict[str, Callable[[Ctx], list[dict]]] = {
    "import": stage_import,
    "parse": stage_parse,
    "predict": stage_predict,
    "stem": stage_stem,
    "classify": stage_classify,
    "overview": stage_overview,
    "pages": stage_pages,
    "report": stage_report,  # bench/monthly_report.py
    "nightly": stage_nightly,
    "prepare": stage_prepare,
    "quality": stage_quality,
    "realcv": stage_realcv,
    "topics": stage_topics,
}


def run(name: str, ctx: Ctx) -> list[dict]:
    """Run one stage, under pyinstrument when ``ctx.profile`` names an output file."""
    if not ctx.profile:
        return STAGES[name](ctx)
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    try:
        return STAGES[name](ctx)
    finally:
        profiler.stop()
        out = Path(ctx.profile)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".txt").write_text(
            profiler.output_text(unicode=True, show_all=False), encoding="utf-8"
        )
        out.with_suffix(".html").write_text(profiler.output_html(), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.stages", description="Run one benchmark stage.")
    p.add_argument("stage", choices=sorted(STAGES))
    p.add_argument("--ctx", required=True, help="JSON file with the stage's context (bench.base.Ctx)")
    p.add_argument("--result", required=True, help="where to write the stage's rows (JSON)")
    a = p.parse_args(argv)
    ctx = Ctx(**json.loads(Path(a.ctx).read_text(encoding="utf-8")))
    rows = run(a.stage, ctx)
    Path(a.result).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
