"""Kerangka e-government: the categories mapped onto the frameworks the ministry's own studies use.

Gartner's four stages of e-government and the Harvard JFK School's three elements. The mapping of
each category to a stage and an element is data in data/taxonomy.toml (``gartner``/``harvard`` per
category, names under ``[frameworks]``), so the team can change it without touching code.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, common, filters
from dashboard.i18n import lang, num, t

FRAMEWORKS = {"gartner": "gartner_stage", "harvard": "harvard_element"}  # taxonomy key -> column label


def element_name(framework: str, element: str) -> str:
    names = common.taxonomy().frameworks.get(framework, {}).get(element, {})
    return names.get(lang(), names.get("id", element)) if isinstance(names, dict) else element


def mappings() -> dict[str, dict[str, str]]:
    """framework -> {category: element}, from the taxonomy."""
    return {fw: {c.id: getattr(c, fw) for c in common.taxonomy().categories} for fw in FRAMEWORKS}


def framework_chart(framework: str, total: int, per_element: pd.DataFrame) -> None:
    """The framework's elements as bars (share of the ``total`` feedback in view)."""
    tax = common.taxonomy()
    st.subheader(t(f"fw_{framework}"))
    st.caption(t(f"fw_{framework}_about"))
    mapping = mappings()[framework]
    # The framework's own order (e.g. Gartner's stages from presence to transformation), from the data.
    elements = list(tax.frameworks.get(framework, {})) or sorted(set(mapping.values()))
    df = pd.DataFrame({"element": elements}).merge(per_element, on="element", how="left").fillna({"n": 0})
    df["label"] = [element_name(framework, e) for e in df["element"]]
    df["share"] = df["n"] / total if total else 0.0
    st.altair_chart(
        charts.hbar(
            df,
            "label",
            "share",
            t("share_of_feedback"),
            kind="share",
            color="#4c78a8",
            sort=df["label"].tolist(),
        ),
        width="stretch",
    )


def render() -> None:
    common.header("page_frameworks", "frameworks_intro")
    common.require_data()
    f = filters.current()
    tax = common.taxonomy()
    total, per_framework, counts = common.fetch("frameworks", f, mappings())  # one scan for the page
    for framework, col in zip(FRAMEWORKS, st.columns(len(FRAMEWORKS), gap="large"), strict=True):
        with col:
            framework_chart(framework, total, per_framework[framework])
    per_cat = dict(zip(counts["category"], counts["n"], strict=True))
    st.subheader(t("fw_mapping"))
    table = pd.DataFrame(
        [
            {
                t("category"): c.label(lang()),
                **{t(column): element_name(fw, getattr(c, fw)) for fw, column in FRAMEWORKS.items()},
                t("texts"): num(int(per_cat.get(c.id, 0))),
            }
            for c in tax.categories
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch", height=38 + 35 * len(table))
    st.caption(t("fw_counts_note", total=num(total)))


if __name__ == "__main__":
    render()
