"""Synthetic demo corpus: M-Paspor-like feedback, generated offline, deterministically and fast.

Why: the dashboard needs a living picture without network access and without real people's reviews,
and the benchmark needs 100k-1M rows of the same shape. Everything is made up: the phrases come from
data/demo/phrases.toml (written for the demo), names and personal data are random. The stories the
corpus tells (data/demo/README.md) are built in here; ``generate_with_truth`` also yields the
categories each text was built from, so tests can check that the stories are there.

Records come out ordered by ``created_at`` (rows with the same second in any order). Same arguments,
same output, on any Python >= 3.11 (only ``random.Random`` draws, no hashing of sets or dicts).

    python -m suara.demo --n 6000 --seed 42 --out data/demo/feedback.jsonl
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import json
import random
import sys
import time
import tomllib
from collections.abc import Iterator
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHRASES = ROOT / "data" / "demo" / "phrases.toml"
DEFAULT_OUT = ROOT / "data" / "demo" / "feedback.jsonl"
START, END = date(2023, 1, 1), date(2026, 10, 31)
APP_ID = "mpaspor"
PLAY_URL = "https://play.google.com/store/apps/details?id=id.go.imigrasi.paspor_online&reviewId="

CATEGORIES = (
    "app_error", "nik_not_detected", "otp_not_received", "payment_stuck", "office_unavailable", "quota_full",
    "account_login", "upload_form", "schedule_change", "service_support", "broker_fraud", "data_security", "praise",
)  # fmt: skip
# Relative frequency of each complaint among complaint fragments (roughly the mix of real M-Paspor reviews).
COMPLAINT_WEIGHTS = {
    "app_error": 40, "account_login": 13, "quota_full": 10, "payment_stuck": 6, "otp_not_received": 6,
    "office_unavailable": 5, "service_support": 5, "broker_fraud": 4, "upload_form": 4, "schedule_change": 4,
    "nik_not_detected": 2, "data_security": 1.5,
}  # fmt: skip

# --- the stories (README.md) ---
PAYMENT_BUG, PAYMENT_FIX = "6.4.0", "6.5.0"  # payment_stuck x6 on every 6.4.x build
OFFICE_FIX = "6.0.0"  # office_unavailable x2.5 before this version, x0.15 from it on
LEBARAN = (date(2023, 4, 22), date(2024, 4, 10), date(2025, 3, 31), date(2026, 3, 20))  # Idul Fitri
SOURCE_CUM = (0.75, 0.85, 1.0)  # play_store, app_store, twitter
KIND_CUM = (0.20, 0.30)  # generic remark, praise only; the rest are complaints (8% of them with praise too)
# P(rating = 1..5) by what the text says; together ~70/8/6/4/12 %.
RATING_P = {
    "complaint": (0.90, 0.07, 0.025, 0.003, 0.002),
    "mixed": (0.20, 0.20, 0.35, 0.20, 0.05),
    "praise": (0.0, 0.0, 0.03, 0.15, 0.82),
    "generic": (0.50, 0.10, 0.15, 0.10, 0.15),
}
CLOSERS = {
    "complaint": "closers_negative",
    "mixed": "closers_negative",
    "praise": "closers_positive",
    "generic": "closers_neutral",
}
RATING_CUM = {k: [sum(p[: i + 1]) for i in range(5)] for k, p in RATING_P.items()}
WEEKDAY = (1.25, 1.15, 1.10, 1.05, 1.0, 0.75, 0.70)  # Monday .. Sunday
# Reviews by local (WIB = UTC+7) hour: quiet at night, busiest in the morning when quota opens.
WIB_HOUR = (1, 1, 1, 1, 2, 4, 8, 12, 14, 12, 10, 9, 9, 9, 8, 8, 8, 8, 8, 9, 10, 9, 6, 3)
HOUR_POOL = tuple((h - 7) % 24 for h in range(24) for _ in range(WIB_HOUR[h]))  # UTC hours, weighted
TWITTER_EPOCH_MS = 1288834974657


def _releases() -> list[tuple[date, str]]:
    """(date, version) of every release, oldest first: minors 5.0 .. 7.3 spaced evenly between anchor
    dates (6.4.0 on 2025-09-08), and a patch every 17 days until the next minor (versions live 2-3 weeks)."""
    minors = [(5, m) for m in range(10)] + [(6, m) for m in range(10)] + [(7, m) for m in range(4)]
    anchors = ((0, date(2022, 12, 5)), (14, date(2025, 9, 8)), (23, date(2026, 8, 24)))

    def when(i: int) -> date:
        (i0, d0), (i1, d1) = anchors[:2] if i <= 14 else anchors[1:]
        return d0 + timedelta(days=round((i - i0) * (d1 - d0).days / (i1 - i0)))

    out = []
    for i, (major, minor) in enumerate(minors):
        day, patch = when(i), 0
        while day < when(i + 1):
            out.append((day, f"{major}.{minor}.{patch}"))
            day, patch = day + timedelta(days=17), patch + 1
    return out


RELEASES = _releases()
VERSIONS = [v for _, v in RELEASES]


def version_key(version: str) -> tuple[int, ...]:
    """Version text to a comparable tuple: "6.10.2" -> (6, 10, 2)."""
    return tuple(int(p) for p in version.split("."))


@lru_cache(maxsize=4)
def load_phrases(path: Path = PHRASES) -> dict:
    """The phrase banks, lists turned into tuples; fails early if a taxonomy id has no phrases."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    missing = [c for c in CATEGORIES if not raw.get("categories", {}).get(c, {}).get("phrases")]
    if missing:
        raise ValueError(f"{path}: no [categories.<id>] phrases for {missing}")

    return _freeze(raw)


def _freeze(obj):
    """Lists to tuples, all the way down (the banks are shared and must not change)."""
    if isinstance(obj, dict):
        return {k: _freeze(v) for k, v in obj.items()}
    return tuple(obj) if isinstance(obj, list) else obj


def _quota_season(d: date) -> bool:
    """The weeks before Lebaran and the June-July school holidays, when everyone wants a passport."""
    if (6, 1) <= (d.month, d.day) <= (7, 15):
        return True
    return any(timedelta(days=-42) <= d - leb <= timedelta(days=3) for leb in LEBARAN)


def draw_distinct(
    rng: random.Random, items: list[str], cum: list[float], cuts: tuple[float, float]
) -> list[str]:
    """1, 2 or 3 distinct items (below ``cuts[0]``, below ``cuts[1]``, else), each drawn with the
    cumulative weights ``cum``: the demo apps' complaints of a text."""
    r = rng.random()
    k = 1 if r < cuts[0] else 2 if r < cuts[1] else 3
    out: list[str] = []
    while len(out) < k:
        c = items[bisect.bisect(cum, rng.random() * cum[-1])]
        if c not in out:
            out.append(c)
    return out


class _Gen:
    """One run: the seeded random source, the phrase banks and per-day tables."""

    def __init__(self, seed: int, start: date, end: date):
        self.rng = rng = random.Random(seed)
        self.ph = load_phrases()
        self.ndays = (end - start).days + 1
        self.epoch = calendar.timegm(start.timetuple())
        self.prefix = [(start + timedelta(days=i)).isoformat() + "T" for i in range(self.ndays)]
        dates = [r[0] for r in RELEASES]
        minors = {d for d, v in RELEASES if v.endswith(".0")}
        self.i_pay, self.i_fix, self.i_office = (
            VERSIONS.index(v) for v in (PAYMENT_BUG, PAYMENT_FIX, OFFICE_FIX)
        )
        self.live, self.quota, self.weight = [], [], []
        noise = [rng.lognormvariate(0, 0.2) for _ in range(self.ndays // 7 + 1)]  # week-to-week wobble
        for i in range(self.ndays):
            d = start + timedelta(days=i)
            v, q = max(bisect.bisect_right(dates, d) - 1, 0), _quota_season(d)
            w = (0.6 + 0.25 * i / 365) * WEEKDAY[d.weekday()] * noise[i // 7]  # growth, weekly rhythm
            w *= 1.5 if q else 1.0
            w *= 1.6 if self.i_pay <= v < self.i_fix else 1.0  # angry users of the broken build
            w *= 1.25 if any(timedelta(0) <= d - m < timedelta(days=7) for m in minors) else 1.0
            self.live.append(v)
            self.quota.append(q)
            self.weight.append(w)
        cats = list(COMPLAINT_WEIGHTS)
        self.cum = {}  # (payment bug?, office bug?, quota season?) -> cumulative complaint weights
        for key in [(p, o, q) for p in (0, 1) for o in (0, 1) for q in (0, 1)]:
            mult = {"payment_stuck": 6.0 if key[0] else 1.0, "office_unavailable": 2.5 if key[1] else 0.15,
                    "quota_full": 3.5 if key[2] else 1.0}  # fmt: skip
            acc, cum = 0.0, []
            for c in cats:
                acc += COMPLAINT_WEIGHTS[c] * mult.get(c, 1.0)
                cum.append(acc)
            self.cum[key] = cum
        self.complaints = cats

    def fill(self, s: str) -> str:
        """Resolve the {office} and {n} placeholders of a phrase."""
        if "{" in s:
            s = s.replace("{office}", self.rng.choice(self.ph["offices"])).replace(
                "{n}", str(self.rng.randint(2, 9))
            )
        return s

    def joiner(self, body: str) -> str:
        """What goes before a closer: a plain space after a text that already ends a sentence."""
        return " " if body[-1:] in "?!." else self.rng.choice(self.ph["joiners"])

    def pick_complaints(self, key: tuple) -> list[str]:
        """1-3 distinct complaints, drawn with the weights of this (payment, office, quota) context."""
        return draw_distinct(self.rng, self.complaints, self.cum[key], (0.70, 0.93))

    def text(self, kind: str, cats: list[str], source: str) -> str:
        """[opener] fragment per category joined by fillers [closer] [fake PII]; tweets get a search term."""
        rng, ph, cat = self.rng, self.ph, self.ph["categories"]
        if kind == "generic":
            body = self.fill(rng.choice(ph["generic"]))
        else:
            frags = [self.fill(rng.choice(cat[c]["phrases"])) for c in cats]
            # a mixed text opens with the praise: "mantap, tapi ..."
            lead = frags.pop() + rng.choice(ph["contrast"]) if kind == "mixed" else ""
            body = lead + frags[0] + "".join(rng.choice(ph["fillers"]) + f for f in frags[1:])
        r = rng.random()
        if kind in ("complaint", "mixed") and source != "twitter" and r < 0.35:
            body = rng.choice(ph["openers"]) + " " + body
        r = rng.random()
        if r < 0.45:
            body = body + self.joiner(body) + rng.choice(ph[CLOSERS[kind]])
        if rng.random() < 0.005:  # fake personal data, for the PII masking
            body += self.joiner(body) + self.pii()
        if source == "twitter":
            tw = ph["twitter"]
            body = (
                rng.choice(tw["prefixes"])
                + " "
                + body
                + (" " + rng.choice(tw["suffixes"]) if rng.random() < 0.4 else "")
            )
        r = rng.random()
        if r < 0.35:
            body = body[:1].upper() + body[1:]
        elif r < 0.38 and kind == "complaint":
            body = body.upper()
        return body

    def pii(self) -> str:
        """A fragment with a fake NIK, phone, e-mail (reserved example.* domains) or passport number."""
        rng = self.rng
        region = rng.choice(("327301", "317404", "357801", "167101", "320104", "517102", "127101"))
        nik = f"{region}{rng.randint(1, 28) + 40 * rng.randint(0, 1):02d}{rng.randint(1, 12):02d}{rng.randint(0, 99):02d}{rng.randint(1, 999):04d}"
        if rng.random() < 0.2:
            nik = " ".join(nik[i : i + 4] for i in range(0, 16, 4))
        local = f"8{rng.choice('1257')}{rng.randint(0, 9)}{rng.randint(10**7, 10**8 - 1)}"
        phone = rng.choice(("0", "+62", "62", "+62 ")) + (
            local if rng.random() < 0.7 else f"{local[:3]}-{local[3:7]}-{local[7:]}"
        )
        name = rng.choice(self.ph["authors"]["first"]).lower()
        email = f"{name}{rng.choice(('', '.', '_'))}{rng.randint(1, 9999)}@{rng.choice(('example.com', 'example.net', 'example.org'))}"
        passport = f"{rng.choice('ABCEX')}{rng.randint(10**6, 10**7 - 1)}"
        t = rng.choice(self.ph["pii"]["templates"])
        return (
            t.replace("{nik}", nik)
            .replace("{phone}", phone)
            .replace("{email}", email)
            .replace("{passport}", passport)
        )

    def author(self, source: str) -> str:
        rng, a = self.rng, self.ph["authors"]
        first, last, r = rng.choice(a["first"]), rng.choice(a["last"]), rng.random()
        if source == "twitter":
            return f"{first.lower()}{rng.choice(('', '_'))}{last.lower()[: rng.randint(1, 8)]}{rng.randint(0, 999) if r < 0.6 else ''}"
        if r < 0.5:
            return f"{first} {last}"
        if r < 0.7:
            return first
        if r < 0.8:
            return f"{first} {last}".lower()
        if r < 0.9:
            return f"{first} {last[0]}."
        return f"{first}{rng.randint(1, 99)}"

    def stamp(self, t: int) -> str:
        """Seconds since the start day's midnight (UTC) -> 'YYYY-MM-DDTHH:MM:SSZ'."""
        d, s = divmod(t, 86400)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{self.prefix[d]}{h:02d}:{m:02d}:{s:02d}Z"


def generate_with_truth(
    n: int, seed: int = 42, start: date = START, end: date = END
) -> Iterator[tuple[dict, tuple[str, ...]]]:
    """Yield (record, categories the text was built from), ordered by created_at."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    g = _Gen(seed, start, end)
    rng, ph = g.rng, g.ph
    rnd = rng.random
    counts = [0] * g.ndays
    for d in rng.choices(range(g.ndays), weights=g.weight, k=n):
        counts[d] += 1
    last = g.ndays * 86400 - 1
    i = 0
    for d, c in enumerate(counts):
        if not c:
            continue
        for t in sorted(d * 86400 + rng.choice(HOUR_POOL) * 3600 + rng.randrange(3600) for _ in range(c)):
            r = rnd()
            source = "play_store" if r < SOURCE_CUM[0] else "app_store" if r < SOURCE_CUM[1] else "twitter"
            v = g.live[d]
            if v and rnd() < 0.2:  # not everyone updates at once
                v -= 1
            r = rnd()
            kind = "generic" if r < KIND_CUM[0] else "praise" if r < KIND_CUM[1] else "complaint"
            if kind == "generic":
                cats: list[str] = []
            elif kind == "praise":
                cats = ["praise"]
            else:
                cats = g.pick_complaints((g.i_pay <= v < g.i_fix, v < g.i_office, g.quota[d]))
                if rnd() < 0.08:
                    kind, cats = "mixed", cats + ["praise"]
            text = g.text(kind, cats, source)
            rating = version = title = reply = replied = url = None
            if source == "twitter":
                author = g.author(source)
                ms = (g.epoch + t) * 1000 + rng.randrange(1000)
                native_id = str(
                    ((ms - TWITTER_EPOCH_MS) << 22) | (i & 0x3FFFFF)
                )  # snowflake; unique below 4M rows
                url = f"https://x.com/{author}/status/{native_id}"
                likes = 0 if rnd() < 0.55 else min(int(rng.paretovariate(0.9)), 50000)
            else:
                author = g.author(source)
                rating = bisect.bisect(RATING_CUM[kind], rnd() * RATING_CUM[kind][-1]) + 1
                likes = 0 if rnd() < 0.8 else min(int(rng.paretovariate(1.2)), 5000)
                if source == "play_store":
                    h = f"{rng.getrandbits(96):024x}{(i * 2654435761) & 0xFFFFFFFF:08x}"  # unique: odd multiplier is a bijection
                    native_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
                    url = PLAY_URL + native_id
                    version = None if rnd() < 0.15 else VERSIONS[v]
                else:
                    native_id = str(10_000_000_000 + i * 17 + rng.randrange(17))
                    version = VERSIONS[v]
                    title = rng.choice(ph["categories"][cats[0]]["titles"] if cats else ph["generic_titles"])
                if rnd() < 0.05:
                    options = ph["categories"][cats[0]].get("replies") if cats else None
                    reply = rng.choice(options or ph["replies"]["generic"])
                    replied = g.stamp(min(t + rng.randrange(5 * 86400 + 1), last))
            i += 1
            rec = {
                "source": source, "native_id": native_id, "app_id": APP_ID, "author": author, "text": text,
                "title": title, "rating": rating, "app_version": version, "lang": "id", "country": "id",
                "created_at": g.stamp(t), "reply_text": reply, "replied_at": replied, "likes": likes, "url": url,
            }  # fmt: skip
            yield rec, tuple(cats)


def generate(n: int, seed: int = 42, start: date = START, end: date = END) -> Iterator[dict]:
    """Yield ``n`` synthetic records in Suara's import schema, ordered by created_at."""
    for rec, _ in generate_with_truth(n, seed, start, end):
        yield rec


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def to_line(rec: dict) -> str:
    """One JSONL line (compact, UTF-8 emoji kept), the exact format of the committed demo file."""
    return _ENCODE(rec) + "\n"


def write_jsonl(
    path: str | Path, n: int, seed: int = 42, start: date = START, end: date = END, all_apps: bool = False
) -> int:
    """Write ``generate(n, seed, start, end)`` to ``path`` as JSONL (``all_apps``: the demo corpus of
    every app, ``suara.demo_apps.corpus``); returns the number of rows."""
    from suara import demo_apps  # it builds on this module

    records = (demo_apps.corpus if all_apps else generate)(n, seed, start, end)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        buf = []
        for rec in records:
            buf.append(to_line(rec))
            if len(buf) == 10_000:
                fh.write("".join(buf))
                rows, buf = rows + len(buf), []
        fh.write("".join(buf))
        rows += len(buf)
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m suara.demo",
        description="Write the SYNTHETIC demo corpus (M-Paspor, Mobile JKN, SIGNAL) as JSONL.",
    )
    p.add_argument(
        "--n", type=int, default=6000, help="M-Paspor records (default 6000); the other apps in proportion"
    )
    p.add_argument(
        "--only-mpaspor", action="store_true", help="M-Paspor's records only (the benchmark's corpus)"
    )
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output file (default data/demo/feedback.jsonl)")
    p.add_argument("--start", type=date.fromisoformat, default=START, help="first day, YYYY-MM-DD")
    p.add_argument("--end", type=date.fromisoformat, default=END, help="last day, YYYY-MM-DD")
    a = p.parse_args(argv)
    if a.n < 0:
        p.error("--n must be >= 0")
    t0 = time.perf_counter()
    rows = write_jsonl(a.out, a.n, a.seed, a.start, a.end, all_apps=not a.only_mpaspor)
    print(f"wrote {rows} synthetic records to {a.out} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
