"""Insiders (reference 004): customer map by cluster, segment profiles, the six answers and
the eligible customers."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data, ui


def render() -> None:
    snap = ui.snapshot()
    st.title("Insiders")
    st.caption("The e-commerce loyalty programme: customer segments and who is eligible.")
    if not ui.require(snap, data.INSIDERS_TABLES, "Insiders"):
        return

    segments = snap.df("select * from ecommerce.customer_segments")
    cols = list(segments.columns)
    cluster = "cluster_name" if "cluster_name" in cols else "cluster"
    eligible = segments[segments["is_insider"].astype(bool)]
    report = snap.df("select * from ecommerce.insiders_report order by question_number")
    revenue_share = report.loc[report["question_number"] == 4, "figure"]

    k1, k2, k3, k4 = st.columns(4)
    k1.metric("Eligible customers", ui.fmt_int(len(eligible)))
    k2.metric("Customers segmented", ui.fmt_int(len(segments)))
    k3.metric(
        "Insiders share of customers",
        f"{len(eligible) / len(segments):.2%}" if len(segments) else "-",
    )
    k4.metric(
        "Insiders share of revenue",
        f"{float(revenue_share.iloc[0]):.2%}" if len(revenue_share) else "-",
    )

    axes = data.map_columns(cols)
    st.subheader("Customer map")
    if axes and cluster:
        fig = px.scatter(
            segments,
            x=axes[0],
            y=axes[1],
            color=segments[cluster].astype(str),
            labels={"color": "segment"},
            opacity=0.7,
            render_mode="webgl",
            hover_data=["customer_id", "revenue", "is_insider"],
        )
        st.plotly_chart(fig, use_container_width=True)
    else:
        st.info("customer_segments has no 2-D map columns yet.")

    st.subheader("Segment profiles")
    st.dataframe(
        snap.df("select * from ecommerce.segment_profiles"),
        hide_index=True,
        use_container_width=True,
    )

    st.subheader("The six questions")
    for row in report.itertuples(index=False):
        st.markdown(f"**{row.question_number}. {row.question}**  \n{row.answer}")

    st.subheader("Eligible customers")
    st.dataframe(eligible, hide_index=True, use_container_width=True)
    ui.download(eligible, "insiders_eligible.csv", "Download eligible customers (CSV)")
