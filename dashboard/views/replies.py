"""Tanggapan: how often and how fast citizens are answered, and the queue of reviews still unanswered.

Figures come from reply.metrics (SQL aggregates over the filtered feedback, the sidebar's filters).
The queue puts 1-2 stars, headline categories and the newest first and marks reviews still inside the
Play API's one-week window. Actions (draft, edit, approve, discard) write through reply.workflow in a
short-lived read-write connection, recorded with who acted: the OIDC login's e-mail (``st.login`` /
``st.user``) when a login is configured in .streamlit/secrets.toml ``[auth]`` (then nobody acts without
it), else the name given to ``suara dashboard --local-user NAME``; without either the page only reads. Roles (viewer, analyst, approver) come from suara.toml ``[reply.roles]`` (reply.roles).
Posting stays with `suara reply send`, run by a person. An App Store review read from the public feed
is marked: it can be answered only once the appstore-api source found its App Store Connect id
(reply.twins). Texts are masked before they are shown.
"""

from __future__ import annotations

import os

import duckdb
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAuthError

from dashboard import common, filters, queries
from dashboard.i18n import lang, num, pct, t
from dashboard.queries.base import connect, release
from reply import metrics, roles, workflow
from reply.drafts import load_templates
from suara.config import load_settings
from suara.store import Store, StoreError, StoreLocked, utcnow

QUEUE = 10
FLASH = "_reply_flash"
TEXTS = {
    "intro": (
        "Seberapa sering dan seberapa cepat warga dijawab, dan ulasan yang belum dijawab (bintang 1–2, "
        "kategori utama, terbaru dahulu). Kirim balasan yang disetujui dengan `suara reply send`.",
        "How often and how fast citizens are answered, and the reviews still unanswered (1–2 stars, headline "
        "categories, newest first). Post approved replies with `suara reply send`.",
    ),
    "answered": ("Dijawab", "Answered"),
    "n": ("Masukan", "Feedback"),
    "share": ("Porsi dijawab", "Share answered"),
    "median": ("Median waktu jawab", "Median time to answer"),
    "by": ("Rincian per", "Break down by"),
    "dim_source": ("sumber", "source"),
    "dim_app": ("aplikasi", "app"),
    "dim_category": ("kategori", "category"),
    "dim_rating": ("rating", "rating"),
    "dim_month": ("bulan", "month"),
    "queue": ("Belum dijawab", "Unanswered"),
    "queue_empty": (
        "Semua ulasan di filter ini sudah dijawab atau punya draf.",
        "Every review here is answered or has a draft.",
    ),
    "in_window": ("masih dalam jendela 7 hari API", "still in the API's 7-day window"),
    "feed_only": (
        "dari feed publik App Store: untuk membalas, kumpulkan juga dengan `--source appstore-api`",
        "from the public App Store feed: to reply, also collect with `--source appstore-api`",
    ),
    "open": ("Balasan terbuka", "Open replies"),
    "none_open": ("Belum ada draf.", "No drafts yet."),
    "make_draft": ("Buat draf", "Draft a reply"),
    "save": ("Simpan (kembali ke draf)", "Save (back to draft)"),
    "approve": ("Setujui", "Approve"),
    "discard": ("Buang", "Discard"),
    "reply_text": ("Teks balasan", "Reply text"),
    "read_only": (
        "Hanya baca: masuk (login) atau jalankan `suara dashboard --local-user NAMA` untuk membuat draf.",
        "Read only: log in, or start `suara dashboard --local-user NAME`, to draft replies.",
    ),
    "log_in_first": (
        "Masuk untuk membuat atau menyetujui balasan.",
        "Log in to draft or approve replies.",
    ),
    "login": ("Masuk", "Log in"),
    "login_broken": (
        "Login belum bisa dipakai: {detail} Periksa [auth] di .streamlit/secrets.toml.",
        "The login cannot be used yet: {detail} Check [auth] in .streamlit/secrets.toml.",
    ),
    "logout": ("Keluar", "Log out"),
    "acting_as": ("Bertindak sebagai {who} ({role})", "Acting as {who} ({role})"),
    "saved": ("Tersimpan.", "Saved."),
    "hours": ("{n} jam", "{n} h"),
    "days": ("{n} hari", "{n} d"),
    "x_link": (
        "Balasan di X tidak didukung; buka twitnya.",
        "Replies on X are not supported; open the tweet.",
    ),
}


def read(fn, *args):
    """``fn(con, *args)`` on a short-lived read-only connection; a locked or broken file stops the page
    with the same messages as the other pages (dashboard/common.py)."""
    db = common.db_path()
    try:
        with connect(db) as con:
            return fn(con, *args)
    except StoreLocked:
        st.error(t("db_locked", db=db))
    except StoreError as exc:
        st.error(t("db_error", db=db, detail=exc))
    except duckdb.Error as exc:
        st.error(t("db_error", db=db, detail=str(exc).splitlines()[0]))
    st.stop()


def tt(key: str, **values) -> str:
    text = TEXTS[key][0 if lang() == "id" else 1]
    return text.format(**values) if values else text


def _delay(hours) -> str:
    if hours is None or pd.isna(hours):
        return "–"
    return tt("days", n=num(round(hours / 24, 1))) if hours >= 48 else tt("hours", n=num(round(hours, 1)))


def login_provider() -> tuple[bool, str | None]:
    """(configured, provider): is an OIDC login set up in .streamlit/secrets.toml ``[auth]``, and the
    name of its provider when it is one of several (``[auth.keycloak]``), for ``st.login``."""
    try:
        auth = st.secrets["auth"]
    except Exception:  # no secrets file, no [auth] in it, or a file that does not parse: no login
        return False, None
    providers = [k for k, v in auth.items() if hasattr(v, "keys")]
    return True, providers[0] if len(providers) == 1 else None


def identity() -> tuple[str | None, str | None]:
    """(who, role): the OIDC user's e-mail (role by e-mail or by the ``groups`` claim), else, where no
    login is configured, the --local-user name; role from [reply.roles]."""
    try:
        cfg = load_settings().extra.get("reply", {}).get("roles", {})
    except Exception:  # a broken suara.toml: read only, the other pages say why
        cfg = {}
    user = st.user
    if user.get("is_logged_in"):
        who = user.get("email") or user.get("name")
        groups = user.get("groups") or ()
        return who, roles.role_of(who, cfg, groups=[groups] if isinstance(groups, str) else list(groups))
    if login_provider()[0]:  # a login is configured: nobody acts without it
        return None, None
    local = os.environ.get("SUARA_LOCAL_USER")
    return (local, roles.role_of(local, cfg, local=True)) if local else (None, None)


def act(role: str | None, action: str, fn, *args) -> None:
    """Run a workflow step if ``role`` may (checked here too, not only by disabling the button)."""
    if not roles.may(role, action):
        st.error(tt("read_only"))
        return
    db = common.db_path()
    try:
        release()  # this run's read-only connection first: DuckDB allows no writer beside it
        with Store(db, wait=5) as store:
            fn(store, *args)
    except (StoreError, workflow.WorkflowError) as exc:
        st.error(str(exc))
        return
    common.clear_cache()
    st.session_state[FLASH] = tt("saved")
    st.rerun()


OPEN_SQL = (
    "SELECT r.feedback_id, r.version, r.state, r.text, r.updated_by, r.error, f.text AS review "
    "FROM replies r JOIN feedback f ON f.id = r.feedback_id "
    "WHERE r.state IN ('draft', 'approved', 'failed') ORDER BY r.updated_at DESC LIMIT 20"
)


def open_replies(who, role, tpl, headline) -> None:
    rows = read(lambda con: con.execute(OPEN_SQL).fetchall())
    st.subheader(tt("open"))
    if not rows:
        st.caption(tt("none_open"))
    for fid, version, state, text, by, error, review in rows:
        with st.container(border=True):
            st.caption(f"{fid} · v{version} · {state} · {by}" + (f" · {error}" if error else ""))
            st.markdown(common.md(review))
            new = st.text_area(
                tt("reply_text"),
                text,
                key=f"txt_{fid}",
                max_chars=None,
                disabled=not roles.may(role, "draft"),
            )
            st.caption(f"{len(new)} / {tpl.limit(fid.split(':')[0]) or '–'}")
            cols = st.columns(3)
            if cols[0].button(tt("save"), key=f"save_{fid}", disabled=not roles.may(role, "draft")):
                act(role, "draft", workflow.draft, fid, who, tpl, headline, new)
            if cols[1].button(
                tt("approve"), key=f"approve_{fid}", type="primary",
                disabled=not roles.may(role, "approve") or state == "approved",
            ):  # fmt: skip
                act(role, "approve", workflow.approve, fid, who, tpl)
            if cols[2].button(tt("discard"), key=f"discard_{fid}", disabled=not roles.may(role, "draft")):
                act(role, "draft", workflow.discard, fid, who)


def render() -> None:
    st.title(t("page_replies"))
    st.caption(tt("intro"))
    common.require_data()
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH), icon=":material/check_circle:")
    f = filters.current()
    cond, params = queries.where(f)
    headline = common.taxonomy().headline_ids
    once = read(metrics.once)  # asked once for the page's three figures
    s = read(lambda con: metrics.summary(con, cond, params, counted_once=once))
    newest = common.fetch("data_range")["last"]
    cols = st.columns(3)
    cols[0].metric(tt("answered"), f"{num(s['answered'])} / {num(s['n'])}")
    cols[1].metric(tt("share"), pct(s["share"], digits=2))
    cols[2].metric(tt("median"), _delay(s["median_hours"]))
    dim = st.segmented_control(
        tt("by"), list(metrics.DIMENSIONS), default="source", key="reply_dim", required=True,
        format_func=lambda d: tt(f"dim_{d}"),
    )  # fmt: skip
    table = read(lambda con: metrics.breakdown(con, dim, cond, params, counted_once=once))
    if dim == "category":
        table["value"] = table["value"].map(common.category_label)
    elif dim == "source":
        table["value"] = table["value"].map(filters.source_name)
    st.dataframe(
        table.assign(
            n=table["n"].map(num),
            answered=table["answered"].map(num),
            share=table["share"].map(lambda x: pct(x, digits=2)),
            median_hours=table["median_hours"].map(_delay),
        ).rename(columns={"value": tt(f"dim_{dim}").capitalize(), "n": tt("n"), "answered": tt("answered"),
                          "share": tt("share"), "median_hours": tt("median")}),
        hide_index=True,
    )  # fmt: skip
    who, role = identity()
    login, provider = login_provider()
    if who:
        st.caption(tt("acting_as", who=who, role=role))
        if st.user.get("is_logged_in"):
            st.button(tt("logout"), key="reply_logout", on_click=st.logout)
    elif login:
        st.info(tt("log_in_first"), icon=":material/lock:")
        if st.button(tt("login"), key="reply_login", type="primary"):
            try:
                st.login(provider)
            except StreamlitAuthError as exc:  # [auth] incomplete: one line, not a traceback
                st.error(tt("login_broken", detail=" ".join(str(exc).split())))
    else:
        st.info(tt("read_only"), icon=":material/lock:")
    tpl = load_templates()
    st.subheader(tt("queue"))
    now = max(utcnow(), newest) if newest else utcnow()
    queue = read(
        lambda con: metrics.unanswered_queue(con, headline, now, cond, params, QUEUE, counted_once=once)
    )
    if queue.empty:
        st.info(tt("queue_empty"))
    for row in queue.itertuples(index=False):
        with st.container(border=True):
            meta = [f"{row.created_at:%Y-%m-%d}", filters.source_name(row.source)]
            if pd.notna(row.rating):
                meta.append("★" * int(row.rating))
            if row.in_api_window:
                meta.append(tt("in_window"))
            if row.feed_only:  # its App Store Connect id is unknown (reply.twins)
                meta.append(tt("feed_only"))
            url = common.safe_url(row.url)
            if url:
                meta.append(f"[{t('open_original')}]({url})")
            st.caption(" · ".join(meta))
            st.markdown(common.md(row.text))
            if isinstance(row.categories, str):
                st.caption(common.category_labels(row.categories))
            if row.source not in metrics.REPLYABLE_SOURCES:  # a tweet: its link, no draft
                st.caption(tt("x_link"))
            elif st.button(tt("make_draft"), key=f"draft_{row.id}", disabled=not roles.may(role, "draft")):
                act(role, "draft", workflow.draft, row.id, who, tpl, headline)
    open_replies(who, role, tpl, headline)


if __name__ == "__main__":
    render()
