"""Landing page: what each page shows and which snapshot is on screen."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui

DESCRIPTIONS = {
    "sales": "Offers likely to close: positive predictions, label split, scored offers, drivers.",
    "churn": "Customers at risk of churning, the probability distribution, drivers, metrics.",
    "campaign": "Whom to contact per business objective; score one customer; segment profiles.",
    "ecommerce": "The loyalty programme: customer map by cluster, profiles, the six answers.",
    "enrollment": "Enrollment history and forecast per site, course and schedule; classes at risk.",
    "model-health": "Model registry, metrics across runs, drift flags, data-quality results.",
}


def render() -> None:
    snap = ui.snapshot()
    st.title("Revenue ML dashboard")
    st.caption(
        f"Snapshot `{snap.snapshot_id}` published by dbt at "
        f"{data.format_time(snap.info.created_at)}: {len(snap.info.tables)} tables. "
        "The dashboard reads this snapshot only, never the warehouse."
    )
    for page in st.session_state.get("_pages", []):
        if page.url_path in DESCRIPTIONS:
            st.page_link(page, label=f"**{page.title}**: {DESCRIPTIONS[page.url_path]}")
