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


#: Churn-probability lines the trade-off table compares with the model's own threshold.
TRADEOFF_LEVELS = (0.5, 0.3, 0.15)


def tradeoff_text(rows, threshold: float) -> str:
    """The threshold's trade-off in words, from :func:`data.threshold_tradeoff` rows: what the
    line catches and costs on customers the model never saw, and what the lowest line
    compared would change (only what the figures show)."""
    at = rows.iloc[0]
    text = (
        f"The model flags a customer above a churn probability of {percent(threshold)} (where "
        f"its F1 peaks). On customers it never saw, that line catches "
        f"{percent(at['recall'])} of the churners, and {percent(at['precision'])} of the "
        f"customers it flags do churn; {integer(at['active_customers'])} active customers are "
        "above it today."
    )
    if len(rows) > 1:
        low = rows.iloc[-1]
        more = low["recall"] > at["recall"] + 1e-9
        worse = low["precision"] < at["precision"] - 1e-9
        if more and worse:
            effect = (
                "catches more churners at the cost of more calls to customers who would have stayed"
            )
        elif more:
            effect = "catches more churners without more wasted calls"
        elif worse:
            effect = "catches no more churners and wastes more calls"
        else:
            effect = "changes neither on those customers"
        text += (
            f" Lowering the line to {percent(low['level'])} {effect}: it catches "
            f"{percent(low['recall'])} of churners, {percent(low['precision'])} of those "
            f"called churn, and {integer(low['active_customers'])} active customers are above "
            "it today."
        )
    return text


TRADEOFF = [
    Col("line", "Call customers above"),
    Col("active_customers", "Active customers to call", "int"),
    Col("revenue_at_risk", "Their revenue at risk", "money", 2),
    Col("recall", "Churners caught (tested)", "percent"),
    Col("precision", "Calls that reach a churner (tested)", "percent"),
]


def render() -> None:
    snap = ui.snapshot()
    ui.header("Churn", QUESTION, domain="churn")
    if not ui.require(snap, [data.CHURN_RISK], "Churn"):
        return
    cur = data.currency(snap, "churn")
    active = data.churn_list(snap, {}, at_risk_only=False)
    at_risk = active[active["is_at_risk"]]

    st.subheader("Who to call")
    f1, f2, f3, f4 = st.columns([2, 2, 2, 2])
    with f1:
        # with nobody above the threshold, the list opens on every active customer, ranked
        options = list(SHOW) if len(at_risk) else list(reversed(SHOW))
        show = ui.url_select("Show", options, "show")
    with f2:
        # where a customer lives is personal data: no filter on it unless it may be shown
        states = (
            ui.url_multiselect("State", data.options(snap, data.CHURN_RISK, "state"), "state")
            if ui.shows("state")
            else []
        )
    with f3:
        plans = ui.url_multiselect("Plan", data.options(snap, data.CHURN_RISK, "plan"), "plan")
    with f4:
        search = ui.url_text("Customer", "q", placeholder="search a customer key")
    rows = data.churn_list(snap, {"state": states, "plan": plans}, SHOW[show], search)

    # the headline describes the rows listed below it
    listed = "Customers at risk" if SHOW[show] else "Active customers listed"
    k1, k2, k3, k4 = st.columns(4)
    k1.metric(listed, integer(len(rows)))
    k2.metric(
        "Revenue at risk (listed)",
        money(rows["revenue_at_risk"].sum(), cur, 2),
        help="Sum over the customers listed of churn probability x bill.",
    )
    k3.metric("Above the model's threshold", integer(int(rows["is_at_risk"].sum())))
    k4.metric("Active customers", integer(len(active)))

    if len(active):
        name, version = active["model_name"].iloc[0], int(active["model_version"].iloc[0])
        threshold = float(active["threshold"].iloc[0])
        held_out = data.metrics(snap, name, version, "test_split")
        tradeoff = data.threshold_tradeoff(
            snap, name, version, "test_split", threshold, TRADEOFF_LEVELS, data.CHURN_RISK
        )
        if held_out and len(tradeoff):
            st.info(
                f"**How sure is this?** {tradeoff_text(tradeoff, threshold)} Every probability "
                "here is out-of-sample: a customer the model trained on is scored by a model "
                f"that did not see it (held-out F1 {held_out.get('f1', float('nan')):.2f}).",
                icon=":material/insights:",
            )
    if len(active) and not len(at_risk):
        st.info(
            "No active customer is above the model's threshold "
            f"({percent(active['threshold'].iloc[0])}): the customers it would flag have "
            "churned already. Showing every active customer, the most revenue at risk first; "
            "the table below says what a lower line would catch.",
            icon=":material/info:",
        )
    ui.decision_list(rows, LIST, "list", "customers", cur, "churn_customers_to_call.csv")
    if len(active) and held_out and len(tradeoff):
        st.markdown("**Where to draw the line**")
        ui.table(tradeoff, TRADEOFF, cur)

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
            ui.importance_chart(snap, "churn", name, version)

    with st.expander("Details"):
        if len(active):
            st.markdown(
                f"Model `{name}` version {version}, threshold "
                f"{active['threshold'].iloc[0]:.3f}. Sources of the probabilities shown:"
            )
            st.dataframe(active.groupby("score_source", as_index=False).size(), hide_index=True)
