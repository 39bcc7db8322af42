"""Topik baru: candidate topics among the period's feedback no category names, and what to do with each.

Topics are those the nightly recorded when its run lies within the sidebar's period (the page names that
run's period and time, with a button to discover over the sidebar's own period now), else discovered
live over the sidebar's period (dashboard/queries/topics.py: suara/topics.py and nlp/topics.py): live
discovery takes seconds at a million rows, reading the recorded run a tenth of a second. Growing ones
first: their name (top terms), size, weekly trend, "mirip kategori X" when their words match a
category's, and masked example texts. Three actions, through
suara/topic_records.py in a short-lived read-write connection, each recorded with who acted:
dismiss; merge into an existing category (its texts go to the Pelabelan queue with that category
proposed); promote to a new category (id, Indonesian and English label, description: appended to the
taxonomy's additions file with the analyst's name and date; its texts become its first labels). Who
acts is the OIDC login or ``suara dashboard --local-user NAME`` (dashboard/views/replies.py
``identity``); only analysts and approvers may act (reply/roles.py "label"), checked on click too, and a
viewer sees the page read-only. Topics already decided are hidden; the added categories are listed with
how many examples they have ("belum cukup contoh: n/20") until the model has learnt them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import common, filters
from dashboard.i18n import lang, num
from dashboard.views.replies import identity
from reply import roles
from suara import topic_records
from suara.store import Store, StoreError, StoreLocked
from suara.taxonomy import TaxonomyError

FLASH = "_topics_flash"
LIVE = "_topics_live"  # the sidebar period the analyst asked to discover live, as (since, until)
EXAMPLES = 3
TEXTS = {
    "intro": (
        "Kelompok keluhan yang belum bernama: masukan tanpa kategori (atau yang kategorinya tidak yakin) "
        "pada periode ini, dikelompokkan menurut kemiripan dan dinamai dengan kata-kata khasnya. Topik yang "
        "naik cepat tampil dahulu.",
        "Complaint groups nobody has named yet: feedback of this period with no category (or only unsure "
        "ones), grouped by similarity and named by their distinctive words. Fast-growing topics first.",
    ),
    "summary": (
        "{topics} topik dari {covered} dari {n} teks tanpa kategori ({start} – {end}).",
        "{topics} topics over {covered} of {n} uncategorised texts ({start} – {end}).",
    ),
    "none": (
        "Terlalu sedikit teks tanpa kategori yang mirip untuk membentuk topik pada periode ini.",
        "Too few similar uncategorised texts for a topic in this period.",
    ),
    "recorded": (
        "Topik dari penemuan yang tercatat {ran} (oleh penemuan malam atau `suara topics --record`) atas "
        "{start} – {end}; periode pilihan: {rstart} – {rend}.",
        "Topics from the discovery recorded {ran} (by the nightly run or `suara topics --record`) over "
        "{start} – {end}; selected period: {rstart} – {rend}.",
    ),
    "recorded_part": (
        "Teks periode pilihan sebelum {start} tidak termasuk.",
        "The selected period's texts before {start} are not included.",
    ),
    "recorded_older": (
        "Teks setelah {end} belum dikelompokkan.",
        "Texts after {end} are not grouped yet.",
    ),
    "rediscover": (
        "Temukan ulang sekarang atas periode pilihan",
        "Discover again now over the selected period",
    ),
    "rediscover_help": (
        "Mengelompokkan ulang teks periode pilihan sekarang: beberapa detik pada jutaan baris.",
        "Groups the selected period's texts again now: several seconds at millions of rows.",
    ),
    "live": (
        "Ditemukan sekarang atas periode pilihan (tidak ada penemuan tercatat di dalamnya).",
        "Discovered now over the selected period (no recorded discovery lies within it).",
    ),
    "live_asked": (
        "Ditemukan ulang sekarang atas periode pilihan.",
        "Discovered again now over the selected period.",
    ),
    "decided": ("{n} topik sudah diputuskan (disembunyikan).", "{n} topics already decided (hidden)."),
    "growing": ("naik", "growing"),
    "growing_help": (
        "7 hari terakhir lebih banyak daripada yang dijelaskan masa lalunya (uji yang sama dengan peringatan).",
        "The last 7 days are more than its past explains (the same test as the alerts).",
    ),
    "similar": ("mirip kategori {cat}", "similar to category {cat}"),
    "size": (
        "{size} teks ({distinct} berbeda) · 7 hari terakhir: {last} (perkiraan {expected})",
        "{size} texts ({distinct} distinct) · last 7 days: {last} (expected {expected})",
    ),
    "size_untested": (
        "{size} teks ({distinct} berbeda) · 7 hari terakhir: {last} (riwayat terlalu pendek untuk diuji)",
        "{size} texts ({distinct} distinct) · last 7 days: {last} (too little history to test)",
    ),
    "terms": ("Kata khas: {terms}", "Distinctive words: {terms}"),
    "week": ("minggu", "week"),
    "texts": ("teks", "texts"),
    "dismiss": ("Abaikan", "Dismiss"),
    "merge_into": ("Gabung ke kategori", "Merge into category"),
    "merge": ("Gabungkan", "Merge"),
    "promote": ("Jadikan kategori baru", "Promote to a new category"),
    "new_id": ("Id kategori (huruf kecil, angka, _)", "Category id (lowercase, digits, _)"),
    "new_label_id": ("Label (Bahasa Indonesia)", "Label (Bahasa Indonesia)"),
    "new_label_en": ("Label (English)", "Label (English)"),
    "new_description": ("Deskripsi", "Description"),
    "read_only": (
        "Hanya baca: masuk (login) sebagai analis atau jalankan `suara dashboard --local-user NAMA` untuk "
        "memutuskan topik.",
        "Read only: log in as an analyst, or start `suara dashboard --local-user NAME`, to decide on topics.",
    ),
    "acting_as": ("Bertindak sebagai {who} ({role})", "Acting as {who} ({role})"),
    "dismissed": ("Topik diabaikan.", "Topic dismissed."),
    "merged": (
        "Digabung ke {cat}: {n} teks menunggu di Pelabelan dengan kategori itu diusulkan.",
        "Merged into {cat}: {n} texts wait in the review queue with that category proposed.",
    ),
    "promoted": (
        "Kategori {cat} ditambahkan; {n} teks berlabel kategori itu.",
        "Category {cat} added; {n} texts labelled with it.",
    ),
    "added": ("Kategori tambahan analis", "Analysts' added categories"),
    "added_line": (
        "{label} (`{id}`), oleh {by}, {date}: {state}",
        "{label} (`{id}`), by {by}, {date}: {state}",
    ),
    "not_enough": ("belum cukup contoh: {n}/{min}", "not enough examples yet: {n}/{min}"),
    "enough": (
        "cukup contoh ({n}); dilatih pada `suara train` berikutnya",
        "enough examples ({n}); trained at the next `suara train`",
    ),
    "trained": ("sudah dipelajari model", "learnt by the model"),
}


def tt(key: str, **values) -> str:
    text = TEXTS[key][0 if lang() == "id" else 1]
    return text.format(**values) if values else text


def act(role: str | None, row, since, until, recorded: bool, fn, *args) -> int | None:
    """Record the topic (unless it was read from a recorded run) and run one decision on it, if ``role``
    may (checked here, not only by the disabled buttons); an error is shown, never raised."""
    if not roles.may(role, "label"):
        st.error(tt("read_only"))
        return None
    db = common.db_path()
    try:
        with Store(db, wait=5) as store:
            if not recorded:
                topic_records.record(store, [row], since, until)
            done = fn(store, topic_records.topic_id(since, until, row.topic.terms), *args)
    except StoreLocked:
        st.error(common.t("save_locked", db=db))
        return None
    except (StoreError, topic_records.TopicError, TaxonomyError) as exc:
        st.error(str(exc))
        return None
    common.clear_cache()
    return done if done is not None else 0


def trend_chart(row, since, until) -> None:
    """Texts per 7 days, oldest first, each bar labelled with its first day (the last bar: the last 7 days).

    A Vega-Lite spec with its values inline, not ``st.bar_chart``: a page shows up to 30 of these, and
    st.bar_chart's Altair chart (built and validated per call) took ~10 ms each, a third of the page."""
    n = len(row.weekly)
    firsts = [
        max(pd.Timestamp(since), pd.Timestamp(until) - pd.Timedelta(days=7 * (n - i))) for i in range(n)
    ]
    week, texts = tt("week"), tt("texts")
    values = [{week: f"{d:%Y-%m-%d}", texts: int(c)} for d, c in zip(firsts, row.weekly, strict=True)]
    st.vega_lite_chart(
        {
            "data": {"values": values},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "x": {"field": week, "type": "ordinal", "sort": None, "title": week},
                "y": {"field": texts, "type": "quantitative", "title": texts},
            },
        },
        height=140,
    )


def topic_card(row, tid: str, since, until, recorded: bool, who: str | None, role: str | None, tax) -> None:
    can = roles.may(role, "label")
    t = row.topic
    with st.container(border=True):
        badges = []
        if row.growing:
            badges.append(f":red-badge[:material/trending_up: {tt('growing')}]")
        if t.similar_to:
            badges.append(f":blue-badge[{tt('similar', cat=common.category_label(t.similar_to))}]")
        st.markdown(f"**{common.md(topic_records.name_of(t.terms))}** " + " ".join(badges))
        key = "size" if row.tested else "size_untested"
        st.caption(
            tt(key, size=num(t.size), distinct=num(t.distinct), last=num(row.last_week),
               expected=num(round(row.expected, 1))),
            help=tt("growing_help"),
        )  # fmt: skip
        st.caption(tt("terms", terms=", ".join(t.terms)))
        trend_chart(row, since, until)
        for text in row.examples[:EXAMPLES]:
            st.markdown("> " + common.md(" ".join(text.split())[:400]))
        cols = st.columns([1, 2, 1], vertical_alignment="bottom")
        if cols[0].button(tt("dismiss"), key=f"dismiss_{tid}", disabled=not can, icon=":material/block:"):
            if act(role, row, since, until, recorded, topic_records.dismiss, who) is not None:
                st.session_state[FLASH] = tt("dismissed")
                st.rerun()
        target = cols[1].selectbox(
            tt("merge_into"), tax.ids, index=tax.ids.index(t.similar_to) if t.similar_to in tax.ids else 0,
            format_func=common.category_formatter(), key=f"into_{tid}", disabled=not can,
        )  # fmt: skip
        if cols[2].button(tt("merge"), key=f"merge_{tid}", disabled=not can, icon=":material/merge:"):
            n = act(role, row, since, until, recorded, topic_records.merge, target, who)
            if n is not None:
                st.session_state[FLASH] = tt("merged", cat=common.category_label(target), n=num(n))
                st.rerun()
        promote = st.expander(
            tt("promote"), icon=":material/add_circle:", key=f"promote_open_{tid}", on_change="rerun"
        )
        if not promote.open:  # the form is drawn once opened: 30 closed forms were half the page's time
            return
        with promote:
            with st.form(key=f"promote_{tid}"):
                new_id = st.text_input(
                    tt("new_id"), value="_".join(t.terms[0].split())[:40], disabled=not can, key=f"id_{tid}"
                )
                label_id = st.text_input(tt("new_label_id"), disabled=not can, key=f"lid_{tid}")
                label_en = st.text_input(tt("new_label_en"), disabled=not can, key=f"len_{tid}")
                description = st.text_area(tt("new_description"), disabled=not can, key=f"desc_{tid}")
                go = st.form_submit_button(
                    tt("promote"), type="primary", disabled=not can, key=f"promote_go_{tid}"
                )
            if go:
                args = (new_id.strip(), label_id, label_en, description, who)
                n = act(role, row, since, until, recorded, topic_records.promote, *args)
                if n is not None:
                    st.session_state[FLASH] = tt("promoted", cat=new_id.strip(), n=num(n))
                    st.rerun()


def added_categories() -> None:
    added = common.fetch("added_categories")
    if not added:
        return
    st.subheader(tt("added"))
    for c in added:
        if c["trained"]:
            state = tt("trained")
        elif c["examples"] >= topic_records.MIN_EXAMPLES:
            state = tt("enough", n=num(c["examples"]))
        else:
            state = tt("not_enough", n=num(c["examples"]), min=topic_records.MIN_EXAMPLES)
        label = common.category_label(c["id"])
        st.markdown(
            "- "
            + tt("added_line", label=label, id=c["id"], by=c["added_by"], date=c["added_at"], state=state)
        )


def render() -> None:
    common.header("page_topics")
    st.caption(tt("intro"))
    common.require_data()
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH), icon=":material/check_circle:")
    who, role = identity()
    if who:
        st.caption(tt("acting_as", who=who, role=role))
    if not roles.may(role, "label"):
        st.info(tt("read_only"), icon=":material/lock:")
    f = filters.current()
    asked = st.session_state.get(LIVE) == (f.start, f.end)
    found = common.fetch("topics", f, 5, asked)
    recorded = found["ran_at"] is not None
    added_categories()
    day = pd.Timedelta(seconds=1)  # until is exclusive: the last day shown is the one before it
    if recorded:
        (rs, ru), last = found["requested"], pd.Timestamp(found["until"]) - day
        start = f"{found['since']:%Y-%m-%d}"
        lines = [
            tt("recorded", ran=f"{found['ran_at']:%Y-%m-%d %H:%M} UTC", start=start, end=f"{last:%Y-%m-%d}",
               rstart=f"{rs:%Y-%m-%d}", rend=f"{(pd.Timestamp(ru) - day):%Y-%m-%d}")
        ]  # fmt: skip
        if found["since"] > rs:
            lines.append(tt("recorded_part", start=start))
        if found["until"] < ru:
            lines.append(tt("recorded_older", end=f"{last:%Y-%m-%d}"))
        st.info(" ".join(lines), icon=":material/history:")
        if st.button(
            tt("rediscover"), help=tt("rediscover_help"), icon=":material/refresh:", key="rediscover"
        ):
            st.session_state[LIVE] = (f.start, f.end)
            st.rerun()
    elif found["since"] is not None:
        st.caption(tt("live_asked" if asked else "live"))
    rows = list(zip(found["rows"], found["ids"], strict=True))
    if not rows:
        st.info(tt("none"))
        return
    decided = [tid for _, tid in rows if found["status"].get(tid, ("new",))[0] != "new"]
    shown = [(r, tid) for r, tid in rows if tid not in decided]
    st.caption(
        tt("summary", topics=num(len(rows)), covered=num(sum(r.topic.size for r, _ in rows)), n=num(found["n"]),
           start=f"{found['since']:%Y-%m-%d}", end=f"{(pd.Timestamp(found['until']) - day):%Y-%m-%d}")
    )  # fmt: skip
    if decided:
        st.caption(tt("decided", n=num(len(decided))))
    tax = common.taxonomy()
    for row, tid in shown:
        topic_card(row, tid, found["since"], found["until"], recorded, who, role, tax)


if __name__ == "__main__":
    render()
