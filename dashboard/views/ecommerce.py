"""Insiders (reference 004): who qualifies for the loyalty programme and what each segment needs."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data, ui
from dashboard.format import Col, integer, money_compact, percent

QUESTION = "Who qualifies for the Insiders loyalty programme, and what does each segment need?"

LIST = [
    Col("customer_id", "Customer", "id"),
    Col("revenue", "Revenue", "money"),
    Col("net_revenue", "Net of returns", "money"),
    Col("total_purchases", "Orders", "int"),
    Col("avg_ticket", "Average order", "money", 2),
    Col("recency_days", "Last purchase", "days"),
    Col("distinct_stock_codes", "Products bought", "int"),
    Col("returned_units", "Units returned", "int"),
    Col("cluster_name", "Segment"),
]
PROFILES = [
    Col("cluster_name", "Segment"),
    Col("is_insiders_cluster", "Insiders segment", "bool"),
    Col("customers", "Customers", "int"),
    Col("insiders", "Insiders", "int"),
    Col("revenue_share", "Share of revenue", "percent", 1),
    Col("median_revenue", "Median revenue", "money"),
    Col("median_recency_days", "Median days since last purchase", "number", 0),
    Col("median_distinct_stock_codes", "Median products bought", "number", 0),
    Col("median_basket_size", "Median units per order", "number", 0),
    Col("share_with_returns", "Customers with returns", "percent"),
    Col("action", "Action"),
]


def why_words(reason: str) -> str:
    """An exclusion reason as the caption reads it."""
    return {
        "no customer id": "without a customer id",
        "returns cancel the purchases": "whose returns cancel their purchases",
        "net revenue too low": "whose revenue net of returns is too low",
    }.get(reason, reason)


def render() -> None:
    snap = ui.snapshot()
    ui.header("Insiders", QUESTION, domain="ecommerce")
    if not ui.require(snap, data.INSIDERS_TABLES, "Insiders"):
        return
    cur = data.currency(snap, "ecommerce")
    segments = snap.df("select * from ecommerce.customer_segments")
    eligible = segments[segments["is_insider"]]
    report = snap.df("select * from ecommerce.insiders_report order by question_number")
    share = report.loc[report["question_number"] == 4, "figure"]

    left_out = segments[segments["in_insiders_cluster"] & ~segments["is_insider"]]
    k1, k2, k3, k4 = st.columns(4)
    k1.metric("Eligible customers", integer(len(eligible)))
    k2.metric(
        f"Their revenue (of {money_compact(segments['revenue'].sum(), cur)})",
        money_compact(eligible["revenue"].sum(), cur),
    )
    k3.metric("Share of revenue", percent(share.iloc[0]) if len(share) else "-")
    k4.metric(
        "Share of customers",
        percent(len(eligible) / len(segments)) if len(segments) else "-",
        help=f"Of the {integer(len(segments))} customers with purchases.",
    )
    if len(left_out):
        reasons = left_out["insider_exclusion_reason"].value_counts()
        parts = [f"{integer(n)} {why_words(reason)}" for reason, n in reasons.items()]
        st.caption(
            f"Left out of the Insiders segments: {'; '.join(parts)}. Customers without a "
            "customer id stand for one invoice each (nobody to invite) and stay out unless "
            "`ecommerce_insiders_include_unidentified` is set; customers qualify on revenue "
            "net of returns (`ecommerce_insiders_min_net_revenue`)."
        )

    st.subheader("Eligible customers")
    f1, f2 = st.columns(2)
    insider_segments = sorted(eligible["cluster_name"].dropna().unique().tolist())
    with f1:
        chosen = ui.url_multiselect("Segment", insider_segments, "segment")
    with f2:
        search = ui.url_text("Customer", "q", placeholder="search a customer id")
    rows = data.insiders(snap, {"cluster_name": chosen}, search)
    ui.decision_list(rows, LIST, "list", "eligible customers", cur, "insiders_eligible.csv")

    st.subheader("Segments and what to do")
    profiles = snap.df("select * from ecommerce.segment_profiles order by revenue desc")
    ui.table(profiles, PROFILES, cur)

    st.subheader("The six questions")
    for row in report.itertuples(index=False):
        st.markdown(f"**{row.question_number}. {row.question}**  \n{row.answer}")

    with st.expander("Details: customer map"):
        fig = px.scatter(
            segments,
            x="embedding_x",
            y="embedding_y",
            color="cluster_name",
            opacity=0.7,
            render_mode="webgl",
            labels={"cluster_name": "Segment", "embedding_x": "", "embedding_y": ""},
            hover_data={"customer_id": True, "revenue": ":,.0f"},
        )
        st.plotly_chart(fig, use_container_width=True)
        st.caption("Customers placed by the segmentation's embedding: nearby customers buy alike.")
