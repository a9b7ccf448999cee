"""Churn (reference 001): which active customers the retention team calls first."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data, ui
from dashboard.format import Col, integer, money, percent

QUESTION = "Which active customers should the retention team call first?"

LIST = [
    Col("risk_rank", "Rank", "int"),
    Col("customer_key", "Customer", "id"),
    Col("state", "State"),
    Col("plan", "Plan"),
    Col("customer_service_calls", "Service calls", "int"),
    Col("total_charge", "Bill", "money", 2),
    Col("churn_probability", "Churn probability", "probability"),
    Col("revenue_at_risk", "Revenue at risk", "money", 2),
    Col("reasons", "Why"),
]
SHOW = {"At risk (above the model's threshold)": True, "All active customers": False}


def render() -> None:
    snap = ui.snapshot()
    ui.header("Churn", QUESTION)
    if not ui.require(snap, [data.CHURN_RISK], "Churn"):
        return
    cur = data.currency(snap, "churn")
    active = data.churn_list(snap, {}, at_risk_only=False)
    at_risk = active[active["is_at_risk"]]

    k1, k2, k3, k4 = st.columns(4)
    k1.metric("Customers at risk", integer(len(at_risk)))
    k2.metric("Active customers", integer(len(active)))
    k3.metric("Revenue at risk", money(at_risk["revenue_at_risk"].sum(), cur))
    k4.metric("Share at risk", percent(len(at_risk) / len(active), 1) if len(active) else "-")

    if len(active):
        name, version = active["model_name"].iloc[0], int(active["model_version"].iloc[0])
        held_out = data.metrics(snap, name, version, "test_split")
        if held_out:
            st.info(
                f"**How sure is this?** On customers the model never saw (a held-out 20%), "
                f"{percent(held_out.get('precision'))} of the customers it flagged did churn, "
                f"and it flagged {percent(held_out.get('recall'))} of those who churned "
                f"(F1 {held_out.get('f1', float('nan')):.2f}). Every probability here is "
                "out-of-sample: a customer the model trained on is scored by a model that "
                "did not see it.",
                icon=":material/insights:",
            )

    st.subheader("Who to call")
    f1, f2, f3, f4 = st.columns([2, 2, 2, 2])
    with f1:
        # with nobody above the threshold, the list opens on every active customer, ranked
        options = list(SHOW) if len(at_risk) else list(reversed(SHOW))
        show = ui.url_select("Show", options, "show")
    with f2:
        states = ui.url_multiselect("State", data.options(snap, data.CHURN_RISK, "state"), "state")
    with f3:
        plans = ui.url_multiselect("Plan", data.options(snap, data.CHURN_RISK, "plan"), "plan")
    with f4:
        search = ui.url_text("Customer", "q", placeholder="search a customer key")
    if len(active) and not len(at_risk):
        st.info(
            "No active customer is above the model's threshold "
            f"({active['threshold'].iloc[0]:.2f}): the customers it would flag have churned "
            "already. Showing every active customer, the most revenue at risk first.",
            icon=":material/info:",
        )
    rows = data.churn_list(snap, {"state": states, "plan": plans}, SHOW[show], search)
    ui.decision_list(rows, LIST, "list", "customers", cur, "churn_customers_to_call.csv")

    left, right = st.columns(2)
    with left:
        st.subheader("Where the risk is")
        by_plan = (
            (at_risk if len(at_risk) else active)
            .groupby("plan", as_index=False)["revenue_at_risk"]
            .sum()
            .sort_values("revenue_at_risk")
        )
        fig = px.bar(
            by_plan,
            x="revenue_at_risk",
            y="plan",
            orientation="h",
            labels={"revenue_at_risk": f"Revenue at risk ({cur})", "plan": "Plan"},
        )
        st.plotly_chart(fig, use_container_width=True)
    with right:
        st.subheader("What drives churn")
        if len(active):
            importance = data.feature_importance(snap, "churn", name, version).head(10)
            fig = px.bar(
                importance.sort_values("mean_abs_contribution"),
                x="mean_abs_contribution",
                y="feature",
                orientation="h",
                labels={"mean_abs_contribution": "Average effect on the score", "feature": ""},
            )
            st.plotly_chart(fig, use_container_width=True)

    with st.expander("Details"):
        if len(active):
            st.markdown(
                f"Model `{name}` version {version}, threshold "
                f"{active['threshold'].iloc[0]:.3f}. Sources of the probabilities shown:"
            )
            st.dataframe(active.groupby("score_source", as_index=False).size(), hide_index=True)
