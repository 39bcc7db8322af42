"""Pelabelan: analysts label first what is worth most, the model's unsure calls on frequent texts.

The queue (``suara.review_queue.review_queue``) shows one form per group of near-duplicates, its newest
text (masked) with how many texts share it, ordered by expected value of one label: many texts the
model was unsure about first; groups whose twin an analyst already labelled come last, flagged. Or a
random sample, for an unbiased look. Each decision is the full set of categories, stored for every
text of the group at once through ``suara.human_labels.save_human_labels`` (who and when, one
transaction); it overrides the model everywhere and feeds the next `suara train`. The only write the
dashboard makes, in a short-lived read-write connection.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import apps, common, filters
from dashboard.i18n import dec, formatter, num, pct, t
from dashboard.queries.base import release
from suara.human_labels import save_human_labels
from suara.store import Store, StoreError, StoreLocked

BATCH = 10
FLASH = "_review_flash"


def save(feedback_ids: list[str], categories: list[str], reviewer: str) -> str | None:
    """Store one decision for a group of texts; returns an error message for the screen, or None when saved."""
    db = common.db_path()
    if not db.exists():
        return t("db_missing", db=db)
    try:
        release()  # this run's read-only connection first: DuckDB allows no writer beside it
        with Store(db, wait=5) as store:
            save_human_labels(store, [(fid, categories, reviewer) for fid in feedback_ids])
    except StoreLocked:
        return t("save_locked", db=db)
    except (StoreError, ValueError) as exc:
        return t("save_failed", detail=exc)
    common.clear_cache()
    return None


def counts() -> None:
    c = common.fetch("human_label_counts")
    if c["model"]:
        st.info(
            t(
                "human_since_model",
                n=num(c["since_model"]),
                model=c["model"],
                date=f"{c['trained_at']:%Y-%m-%d}",
                total=num(c["reviews"]),
            ),
            icon=":material/model_training:",
        )
    else:
        st.info(t("human_no_model", total=num(c["reviews"])), icon=":material/model_training:")


def item(row, analyst: str, tax) -> None:
    with st.form(key=f"review_{row.id}"):
        meta = [f"{row.created_at:%Y-%m-%d}", filters.source_name(row.source)]
        if pd.notna(row.rating):
            meta.append("★" * int(row.rating))
        if pd.notna(row.confidence):
            meta.append(t("confidence", value=dec(row.confidence)))
        st.caption(" · ".join(meta), help=t("confidence_help") if pd.notna(row.confidence) else None)
        if row.n > 1:
            st.caption(t("similar_reviews", n=int(row.n)), help=t("similar_reviews_help"))
        if row.labelled_before:
            cats = ", ".join(common.category_label(c) for c in row.labelled_as) or t("no_category")
            st.caption(t("labelled_before", cats=cats))
        if isinstance(row.title, str) and row.title:
            st.markdown(f"**{common.md(row.title)}**")
        st.markdown(common.md(row.text))
        scores = row.scores if isinstance(row.scores, list | np.ndarray) else []  # NA: the model gave none
        if len(scores):
            said = ", ".join(
                f"{common.category_label(s['category'])} {pct(s['score'], digits=0)}" for s in scores
            )
            st.caption(t("model_says", scores=said), help=t("score_help"))
        offered = tax.ids_for(apps.identifiers(row.app_id))  # the categories this app can have
        chosen = st.pills(
            t("right_categories"),
            offered,
            selection_mode="multi",
            default=[c for c in offered if c in {*row.categories, *getattr(row, "proposed", [])}],
            format_func=common.category_formatter(),
            key=f"cats_{row.id}",
        )
        submitted = st.form_submit_button(
            t("save_labels"), type="primary", icon=":material/check:", key=f"save_{row.id}"
        )
    if submitted:
        if not (analyst or "").strip():
            st.warning(t("name_first"))
            return
        ids = list(row.ids)
        error = save(ids, list(chosen or []), analyst)
        if error:
            st.error(error)
            return
        n = len(chosen or [])
        st.session_state[FLASH] = t("saved_group", n=n, texts=len(ids)) if len(ids) > 1 else t("saved", n=n)
        st.rerun()


def render() -> None:
    common.header("page_review", "review_intro")
    common.require_data()
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH), icon=":material/check_circle:")
    counts()
    f = filters.current()
    cols = st.columns([2, 3], vertical_alignment="bottom")
    analyst = cols[0].text_input(
        t("analyst"), key="analyst", persist_state="session", placeholder=t("analyst_placeholder")
    )
    mode = cols[1].segmented_control(
        t("review_mode"),
        ["uncertain", "random"],
        default="uncertain",
        key="review_mode",
        required=True,
        format_func=formatter("review_"),
    )
    seed = st.session_state.setdefault("review_seed", 0)
    if mode == "random" and st.button(t("new_sample"), icon=":material/shuffle:"):
        st.session_state["review_seed"] = seed = seed + 1
    queue = common.fetch("review_queue", f, mode, BATCH, seed)
    if queue.empty:
        st.info(t("queue_empty_uncertain") if mode == "uncertain" else t("queue_empty"))
        return
    st.caption(t("queue_caption", groups=len(queue), n=int(queue["n"].sum())))
    tax = common.taxonomy()
    for row in queue.itertuples(index=False):
        item(row, analyst, tax)


if __name__ == "__main__":
    render()
