"""Campaign (reference 002): whom to contact in the next campaign, and what it costs and brings."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import data, ui
from dashboard.format import Col, integer, money, number, percent

QUESTION = "Whom should the next campaign contact, and what will it cost and bring?"

LIST = [
    Col("contact_rank", "Rank", "int"),
    Col("customer_id", "Customer", "id"),
    Col("probability", "Response probability", "probability"),
    Col("expected_profit", "Expected profit", "money", 2),
    Col("income", "Income", "money"),
    Col("spend_total", "Spend (2 years)", "money"),
    Col("recency_days", "Last purchase", "days"),
    Col("children_at_home", "Children at home", "int"),
    Col("segment_name", "Segment"),
    Col("reasons", "Why"),
]
PROFILES = [
    Col("segment_name", "Segment"),
    Col("customers", "Customers", "int"),
    Col("share", "Share", "percent"),
    Col("response_rate", "Response rate", "percent", 1),
    Col("mean_income", "Average income", "money"),
    Col("mean_spend_total", "Average spend", "money"),
    Col("mean_age", "Average age", "number"),
    Col("mean_children_at_home", "Children at home", "number"),
    Col("mean_recency_days", "Days since last purchase", "number", 0),
    Col("mean_purchases_web", "Web purchases", "number"),
    Col("mean_purchases_store", "Store purchases", "number"),
]


def render() -> None:
    snap = ui.snapshot()
    ui.header("Campaign", QUESTION, domain="campaign")
    if not ui.require(snap, [data.CAMPAIGN_PLAN, data.CAMPAIGN_CONTACTS], "Campaign"):
        return
    cur = data.currency(snap, "campaign")
    plan = data.campaign_plan(snap)
    labels = {
        r.objective: f"{r.objective.replace('_', ' ').capitalize()}" for r in plan.itertuples()
    }
    # the page opens on the most profitable plan (the max_profit objective)
    best = plan.sort_values(["expected_profit", "display_order"], ascending=[False, True])
    chosen_label = ui.url_select(
        "Business objective",
        list(labels.values()),
        "objective",
        default=labels[best["objective"].iloc[0]],
    )
    objective = next(k for k, v in labels.items() if v == chosen_label)
    row = plan[plan["objective"] == objective].iloc[0]
    st.caption(row["description"])

    k1, k2, k3, k4, k5 = st.columns(5)
    k1.metric("Customers to contact", integer(row["contacts"]))
    k2.metric("Expected responders", number(row["expected_responders"], 0))
    k3.metric(
        "Expected revenue",
        money(row["expected_revenue"], cur),
        help=f"{number(row['expected_responders'], 1)} responders x "
        f"{money(row['revenue_per_responder'], cur)} revenue per responder",
    )
    k4.metric(
        "Cost",
        money(row["expected_cost"], cur),
        help=f"{integer(row['contacts'])} contacts x {money(row['cost_per_contact'], cur)} "
        "cost per contact",
    )
    k5.metric("Expected profit", money(row["expected_profit"], cur))
    st.caption(
        f"Revenue per responder {money(row['revenue_per_responder'], cur)} \u00b7 cost per "
        f"contact {money(row['cost_per_contact'], cur)} \u00b7 contacting "
        f"{percent(row['contact_share'])} of {integer(row['customers'])} customers. Expected "
        "responders are the sum of the contacted customers' response probabilities."
    )
    if row["same_list_as"] is not None and str(row["same_list_as"]) != "None":
        st.warning(
            f"On this data this objective picks the same threshold ({row['threshold']:.3f}), "
            f"hence the same list, as '{labels.get(row['same_list_as'], row['same_list_as'])}'.",
            icon=":material/info:",
        )
    st.info(
        f"**How sure is this?** When the model was evaluated on customers it had not seen "
        f"(out-of-fold), {percent(row['measured_precision'])} of the customers this objective "
        f"contacts responded, and it reached {percent(row['measured_recall'])} of all "
        "responders."
        + (
            f" On {integer(row['customers'])} customers like those, this cut-off earned "
            f"{money(row['tested_profit'], cur)} (90% band "
            f"{money(row['tested_profit_low'], cur)} to "
            f"{money(row['tested_profit_high'], cur)} over resamples of the customers; measured "
            f"on {integer(row['measured_customers'])} and scaled to this plan's customers); "
            f"the plan expects {money(row['expected_profit'], cur)}."
            if pd.notna(row["tested_profit_low"])
            else ""
        ),
        icon=":material/insights:",
    )

    st.subheader("Contact list")
    f1, f2 = st.columns(2)
    with f1:
        segments = ui.url_multiselect(
            "Segment", data.options(snap, data.CAMPAIGN_CONTACTS, "segment_name"), "segment"
        )
    with f2:
        search = ui.url_text("Customer", "q", placeholder="search a customer id")
    rows = data.campaign_targets(snap, objective, {"segment_name": segments}, search)
    ui.decision_list(rows, LIST, "list", "customers to contact", cur, f"contacts_{objective}.csv")

    st.subheader("Objectives compared")
    ui.table(
        plan.assign(objective=plan["objective"].map(labels)),
        [
            Col("objective", "Objective"),
            Col("contacts", "Contacts", "int"),
            Col("expected_responders", "Expected responders", "number", 0),
            Col("expected_cost", "Cost", "money"),
            Col("expected_revenue", "Expected revenue", "money"),
            Col("expected_profit", "Expected profit", "money"),
            Col("measured_precision", "Responded (tested)", "percent"),
            Col("measured_recall", "Responders reached (tested)", "percent"),
            Col("tested_profit_low", "Tested profit, low (90%)", "money"),
            Col("tested_profit_high", "Tested profit, high (90%)", "money"),
        ],
        cur,
    )

    if snap.has(data.CAMPAIGN_PROFILES):
        st.subheader("Customer segments")
        profiles = snap.df(f"select * from {data.CAMPAIGN_PROFILES} order by k, segment")
        ks = sorted(profiles["k"].unique().tolist())
        for tab, k in zip(st.tabs([f"{int(k)} segments" for k in ks]), ks, strict=True):
            with tab:
                part = profiles[profiles["k"] == k]
                fig = px.bar(
                    part,
                    x="segment_name",
                    y="response_rate",
                    labels={"segment_name": "", "response_rate": "Response rate"},
                )
                fig.update_yaxes(tickformat=".0%")
                st.plotly_chart(fig, use_container_width=True)
                ui.table(part, PROFILES, cur)
