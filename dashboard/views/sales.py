"""Sales pipeline (reference 000): which open offers to work on first."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data, ui
from dashboard.format import Col, integer, money, percent

QUESTION = "Which open offers should the sales team work on first?"

LIST = [
    Col("value_rank", "Rank", "int"),
    Col("offer_id", "Offer"),
    Col("stage", "Stage"),
    Col("use_case", "Use case"),
    Col("price", "Price", "money"),
    Col("win_probability", "Win probability", "probability"),
    Col("expected_value", "Expected value", "money"),
    Col("age_days", "Open for", "days"),
    Col("lead_source", "Lead source"),
    Col("city", "City"),
    Col("reasons", "Why"),
]


def render() -> None:
    snap = ui.snapshot()
    ui.header("Sales pipeline", QUESTION)
    if not ui.require(snap, [data.OPEN_OFFERS], "Sales pipeline"):
        return
    cur = data.currency(snap, "sales")
    every = data.open_offers(snap, {})

    k1, k2, k3, k4 = st.columns(4)
    k1.metric("Open offers", integer(len(every)))
    k2.metric("Expected value", money(every["expected_value"].sum(), cur))
    k3.metric("Pipeline at list price", money(every["price"].sum(), cur))
    k4.metric("Likely to win", integer(int(every["is_likely_to_win"].sum())))

    if len(every):
        name, version = every["model_name"].iloc[0], int(every["model_version"].iloc[0])
        held_out = data.metrics(snap, name, version, "time_holdout")
        if held_out:
            st.info(
                "**How sure is this?** Tested the honest way, on the newest "
                f"{integer(held_out['rows_evaluated'])} closed offers as if they were still "
                f"open (a time-ordered hold-out): AUC {held_out['auc']:.2f}; of the offers it "
                f"called likely to win, {percent(held_out['precision'])} were won; "
                f"{percent(held_out['positive_rate'])} of those offers were won overall. "
                "Probabilities use only what is known when an offer is created.",
                icon=":material/insights:",
            )

    st.subheader("Offers to work on")
    f1, f2, f3, f4 = st.columns(4)
    with f1:
        stages = ui.url_multiselect("Stage", data.options(snap, data.OPEN_OFFERS, "stage"), "stage")
    with f2:
        use_cases = ui.url_multiselect(
            "Use case", data.options(snap, data.OPEN_OFFERS, "use_case"), "use_case"
        )
    with f3:
        sources = ui.url_multiselect(
            "Lead source", data.options(snap, data.OPEN_OFFERS, "lead_source"), "source"
        )
    with f4:
        search = ui.url_text("Offer", "q", placeholder="search an offer id")
    rows = data.open_offers(
        snap, {"stage": stages, "use_case": use_cases, "lead_source": sources}, search
    )
    ui.decision_list(rows, LIST, "list", "open offers", cur, "open_offers.csv")

    left, right = st.columns(2)
    with left:
        st.subheader("Expected value by stage")
        by_stage = every.groupby("stage", as_index=False).agg(
            expected_value=("expected_value", "sum"), offers=("offer_id", "count")
        )
        fig = px.bar(
            by_stage.sort_values("expected_value"),
            x="expected_value",
            y="stage",
            orientation="h",
            hover_data={"offers": True},
            labels={"expected_value": f"Expected value ({cur})", "stage": "Stage"},
        )
        st.plotly_chart(fig, use_container_width=True)
    with right:
        st.subheader("What drives a win (open-offer model)")
        if len(every):
            importance = data.feature_importance(snap, "sales", name, version).head(10)
            fig = px.bar(
                importance.sort_values("mean_abs_contribution"),
                x="mean_abs_contribution",
                y="feature",
                orientation="h",
                labels={"mean_abs_contribution": "Average effect on the score", "feature": ""},
            )
            st.plotly_chart(fig, use_container_width=True)

    with st.expander("Details"):
        if len(every):
            st.markdown(
                f"Model `{name}` version {version} (threshold "
                f"{every['threshold'].iloc[0]:.3f}); ages measured at "
                f"{every['as_of_date'].iloc[0]:%Y-%m-%d}, the latest date in the data."
            )
        st.dataframe(
            snap.df(
                "select model_name, evaluation, rows_evaluated, auc, brier, precision, recall, "
                f"f1 from {data.MODEL_METRICS} where is_latest_version and domain = 'sales' "
                "order by model_name, evaluation"
            ),
            hide_index=True,
        )
