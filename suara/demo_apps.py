"""The demo's other public-service apps: SYNTHETIC Mobile JKN and SIGNAL feedback beside M-Paspor's.

Why: Suara watches public-service apps, not one app, and the "Bandingkan aplikasi" page needs apps to
compare. Each app here has its own phrase bank (data/demo/phrases_<key>.toml, over phrases.toml's shared
parts), release schedule, complaint mix, reply habits and stories (data/demo/README.md): an outage
week, a release with a regression and a good release. The texts are built exactly as M-Paspor's
(``suara.demo._Gen.text``); the days, versions, ratings and replies are drawn here. ``corpus`` merges
M-Paspor's stream (``suara.demo.generate``, unchanged, so its stories and alerts stay as they were)
with these apps' streams, ordered by ``created_at``, deterministically (each app its own
``random.Random``, seeded from the corpus seed).

    python -m suara.demo --n 6000 --seed 42 --out data/demo/feedback.jsonl    # the committed corpus
"""

from __future__ import annotations

import bisect
import calendar
import heapq
import random
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from suara import demo

DEMO_DIR = demo.PHRASES.parent


@dataclass(frozen=True)
class Story:
    """A spell when some complaints are more (or less) frequent: by day (an outage) or by version."""

    what: str
    mult: tuple[tuple[str, float], ...]  # category -> weight multiplier
    volume: float = 1.0  # day weight multiplier
    days: tuple[date, date] | None = None  # first, last day (inclusive)
    versions: tuple[str, str | None] | None = None  # first version, the version that ends it (None: open)
    praise: float = 1.0  # multiplier of the praise-only share


@dataclass(frozen=True)
class DemoApp:
    key: str
    name: str
    share: float  # rows per M-Paspor row
    play_url: str
    appstore_base: int  # App Store review ids start here (unique per app)
    first_release: tuple[date, int, int]  # (day, major, minor) of the first minor in the schedule
    minor_days: int  # days between minors (patches every 17 days in between)
    weights: tuple[tuple[str, float], ...]  # complaint mix
    stories: tuple[Story, ...]
    reply_share: float  # share of store reviews answered
    reply_hours: tuple[float, float]  # lognormal (mu, sigma) of the reply delay in hours
    praise_share: float = 0.10  # texts that only praise (M-Paspor: 10%)
    growth: float = 0.25  # yearly growth of the day weight


APPS = (
    DemoApp(
        key="mobilejkn", name="Mobile JKN", share=0.25,
        play_url="https://play.google.com/store/apps/details?id=app.bpjs.mobile&reviewId=",
        appstore_base=20_000_000_000, first_release=(date(2022, 12, 12), 4, 0), minor_days=49,
        weights=(("app_error", 38), ("account_login", 14), ("payment_stuck", 12), ("otp_not_received", 8),
                 ("upload_form", 8), ("nik_not_detected", 6), ("service_support", 6), ("schedule_change", 5),
                 ("data_security", 2), ("broker_fraud", 1.5)),
        stories=(
            Story("outage week: the app down at the start of the school year", (("app_error", 7.0),),
                  volume=5.0, days=(date(2024, 7, 15), date(2024, 7, 21)), praise=0.2),
            Story("4.17.0: OTP by SMS broken until 4.18.0", (("otp_not_received", 12.0),), volume=2.6,
                  versions=("4.17.0", "4.18.0"), praise=0.5),
            Story("5.3.0: the good release, new login and a stable app", (("app_error", 0.35), ("account_login", 0.4)),
                  versions=("5.3.0", None), praise=1.6),
        ),
        reply_share=0.30, reply_hours=(2.8, 0.9), praise_share=0.28,  # answered within a day, well liked
    ),
    DemoApp(
        key="signal", name="SIGNAL", share=0.2,
        play_url="https://play.google.com/store/apps/details?id=app.signal.id&reviewId=",
        appstore_base=30_000_000_000, first_release=(date(2022, 11, 28), 2, 4), minor_days=63,
        weights=(("app_error", 36), ("payment_stuck", 16), ("nik_not_detected", 12), ("upload_form", 10),
                 ("account_login", 9), ("otp_not_received", 6), ("service_support", 6), ("broker_fraud", 3),
                 ("data_security", 2)),
        stories=(
            Story("outage week: payments down in the first week of 2025", (("app_error", 6.0), ("payment_stuck", 2.0)),
                  volume=4.0, days=(date(2025, 1, 2), date(2025, 1, 8)), praise=0.2),
            Story("2.14.0: e-TBPKP not issued after paying, until 2.15.0", (("payment_stuck", 6.0),), volume=2.4,
                  versions=("2.14.0", "2.15.0"), praise=0.5),
            Story("3.0.0: the good release, face check fixed", (("upload_form", 0.3), ("nik_not_detected", 0.4),
                  ("app_error", 0.6)), versions=("3.0.0", None), praise=2.0),
        ),
        reply_share=0.04, reply_hours=(4.5, 0.8), praise_share=0.16,  # rarely answered, after days
    ),
)  # fmt: skip
BY_KEY = {a.key: a for a in APPS}


def releases(app: DemoApp, end: date = demo.END) -> list[tuple[date, str]]:
    """(date, version) of every release, oldest first: a minor every ``minor_days`` (x.19 is followed by
    the next major), a patch every 17 days in between."""
    (day, major, minor), out = app.first_release, []
    while day <= end:
        nxt, patch, d = day + timedelta(days=app.minor_days), 0, day
        while d < nxt:
            out.append((d, f"{major}.{minor}.{patch}"))
            d, patch = d + timedelta(days=17), patch + 1
        day, minor = nxt, minor + 1
        if minor == 20:
            major, minor = major + 1, 0
    return out


@lru_cache(maxsize=4)
def phrases(key: str) -> dict:
    """phrases.toml's banks with this app's own (data/demo/phrases_<key>.toml) over them, by top-level key."""
    own = tomllib.loads((DEMO_DIR / f"phrases_{key}.toml").read_text(encoding="utf-8"))
    return {**demo.load_phrases(), **{k: demo._freeze(v) for k, v in own.items()}}


class _AppGen(demo._Gen):
    """One app's run: the text helpers of ``demo._Gen`` over this app's phrases and calendar."""

    def __init__(self, app: DemoApp, seed: int, start: date, end: date):  # not super(): its own tables
        self.app, self.rng = app, random.Random(seed)
        self.ph = phrases(app.key)
        self.ndays = (end - start).days + 1
        self.epoch = calendar.timegm(start.timetuple())
        self.prefix = [(start + timedelta(days=i)).isoformat() + "T" for i in range(self.ndays)]
        rel = releases(app, max(end, demo.END))  # the stories name versions up to the demo's end
        self.versions = [v for _, v in rel]
        dates = [d for d, _ in rel]
        index = {v: i for i, v in enumerate(self.versions)}
        self.spans = [
            (s, index[s.versions[0]], index[s.versions[1]] if s.versions[1] else len(rel))
            for s in app.stories
            if s.versions
        ]
        minors = {d for d, v in rel if v.endswith(".0")}
        noise = [self.rng.lognormvariate(0, 0.2) for _ in range(self.ndays // 7 + 1)]
        self.live, self.weight, self.day_stories = [], [], []
        for i in range(self.ndays):
            d = start + timedelta(days=i)
            v = max(bisect.bisect_right(dates, d) - 1, 0)
            w = (0.6 + app.growth * i / 365) * demo.WEEKDAY[d.weekday()] * noise[i // 7]
            w *= 1.2 if any(timedelta(0) <= d - m < timedelta(days=7) for m in minors) else 1.0
            today = tuple(s for s in app.stories if s.days and s.days[0] <= d <= s.days[1])
            for s in today + tuple(s for s, lo, hi in self.spans if lo <= v < hi):
                w *= s.volume
            self.live.append(v)
            self.weight.append(w)
            self.day_stories.append(today)
        self.complaints = [c for c, _ in app.weights]
        self._cum: dict[tuple[Story, ...], list[float]] = {}

    def stories_of(self, day: int, version: int) -> tuple[Story, ...]:
        return self.day_stories[day] + tuple(s for s, lo, hi in self.spans if lo <= version < hi)

    def cum(self, stories: tuple[Story, ...]) -> list[float]:
        if stories not in self._cum:
            mult: dict[str, float] = {}
            for s in stories:
                for c, m in s.mult:
                    mult[c] = mult.get(c, 1.0) * m
            acc, out = 0.0, []
            for c, w in self.app.weights:
                acc += w * mult.get(c, 1.0)
                out.append(acc)
            self._cum[stories] = out
        return self._cum[stories]

    def pick(self, stories: tuple[Story, ...]) -> list[str]:
        return demo.draw_distinct(self.rng, self.complaints, self.cum(stories), (0.72, 0.94))


def generate_app(
    app: DemoApp, n: int, seed: int = 42, start: date = demo.START, end: date = demo.END
) -> Iterator[tuple[dict, tuple[str, ...]]]:
    """Yield (record, categories the text was built from) for one app, ordered by created_at."""
    g = _AppGen(app, seed, start, end)
    rng, rnd, ph = g.rng, g.rng.random, g.ph
    counts = [0] * g.ndays
    for d in rng.choices(range(g.ndays), weights=g.weight, k=n):
        counts[d] += 1
    last, i = g.ndays * 86400 - 1, 0
    for d, c in enumerate(counts):
        for t in sorted(
            d * 86400 + rng.choice(demo.HOUR_POOL) * 3600 + rng.randrange(3600) for _ in range(c)
        ):
            r = rnd()
            source = "play_store" if r < 0.72 else "app_store" if r < 0.84 else "twitter"
            v = g.live[d]
            if v and rnd() < 0.2:
                v -= 1
            stories = g.stories_of(d, v)
            praise_share = app.praise_share
            for s in stories:
                praise_share *= s.praise
            r = rnd()
            kind = "generic" if r < 0.18 else "praise" if r < 0.18 + praise_share else "complaint"
            cats: list[str] = [] if kind == "generic" else ["praise"] if kind == "praise" else g.pick(stories)
            if kind == "complaint" and rnd() < 0.08:
                kind, cats = "mixed", cats + ["praise"]
            text = g.text(kind, cats, source)
            rating = version = title = reply = replied = url = None
            author = g.author(source)
            if source == "twitter":
                ms = (g.epoch + t) * 1000 + rng.randrange(1000)
                native_id = str(((ms - demo.TWITTER_EPOCH_MS) << 22) | ((0x200000 + i) & 0x3FFFFF))
                url = f"https://x.com/{author}/status/{native_id}"
                likes = 0 if rnd() < 0.55 else min(int(rng.paretovariate(0.9)), 50000)
            else:
                rating = bisect.bisect(demo.RATING_CUM[kind], rnd() * demo.RATING_CUM[kind][-1]) + 1
                likes = 0 if rnd() < 0.8 else min(int(rng.paretovariate(1.2)), 5000)
                if source == "play_store":
                    h = f"{rng.getrandbits(96):024x}{(i * 2654435761) & 0xFFFFFFFF:08x}"
                    native_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
                    url = app.play_url + native_id
                    version = None if rnd() < 0.15 else g.versions[v]
                else:
                    native_id = str(app.appstore_base + i * 17 + rng.randrange(17))
                    version = g.versions[v]
                    title = rng.choice(ph["categories"][cats[0]]["titles"] if cats else ph["generic_titles"])
                if rnd() < app.reply_share:
                    options = ph["categories"][cats[0]].get("replies") if cats else None
                    reply = rng.choice(options or ph["replies"]["generic"])
                    hours = min(rng.lognormvariate(*app.reply_hours), 30 * 24)
                    replied = g.stamp(min(t + int(hours * 3600), last))
            i += 1
            rec = {
                "source": source, "native_id": native_id, "app_id": app.key, "author": author, "text": text,
                "title": title, "rating": rating, "app_version": version, "lang": "id", "country": "id",
                "created_at": g.stamp(t), "reply_text": reply, "replied_at": replied, "likes": likes, "url": url,
            }  # fmt: skip
            yield rec, tuple(cats)


def corpus_with_truth(
    n: int, seed: int = 42, start: date = demo.START, end: date = demo.END
) -> Iterator[tuple[dict, tuple[str, ...]]]:
    """M-Paspor's ``n`` records and each other app's ``round(n * share)``, merged by created_at."""
    streams = [demo.generate_with_truth(n, seed, start, end)] + [
        generate_app(app, round(n * app.share), seed * 1000 + k, start, end) for k, app in enumerate(APPS, 1)
    ]
    return heapq.merge(*streams, key=lambda pair: pair[0]["created_at"])


def corpus(n: int, seed: int = 42, start: date = demo.START, end: date = demo.END) -> Iterator[dict]:
    """The demo corpus of every app: records in Suara's import schema, ordered by created_at."""
    for rec, _ in corpus_with_truth(n, seed, start, end):
        yield rec
