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

    segments = snap.df("select * from marts.customer_segments")
    cols = list(segments.columns)
    cluster = data.pick(cols, "cluster", "segment", "cluster_id", "segment_id", "segment_name")
    flag = data.pick(cols, "is_insider", "is_eligible", "insider", "is_insiders")
    eligible = segments[segments[flag].astype(bool)] if flag else segments.iloc[0:0]

    k1, k2 = st.columns(2)
    k1.metric("Eligible customers", ui.fmt_int(len(eligible)))
    k2.metric("Customers segmented", ui.fmt_int(len(segments)))

    axes = data.map_columns(cols)
    st.subheader("Customer map")
    if axes and cluster:
        fig = px.scatter(segments, x=axes[0], y=axes[1], color=segments[cluster].astype(str),
                         labels={"color": cluster}, opacity=0.7, render_mode="webgl")
        st.plotly_chart(fig, use_container_width=True)
    else:
        st.info("customer_segments has no 2-D map columns yet.")

    st.subheader("Segment profiles")
    st.dataframe(snap.df("select * from marts.segment_profiles"), hide_index=True,
                 use_container_width=True)

    st.subheader("The six questions")
    report = snap.df("select * from marts.insiders_report")
    q = data.pick(list(report.columns), "question")
    a = data.pick(list(report.columns), "answer")
    if q and a:
        for i, (question, answer) in enumerate(report[[q, a]].itertuples(index=False), 1):
            st.markdown(f"**{i}. {question}**  \n{answer}")
    else:
        st.dataframe(report, hide_index=True, use_container_width=True)

    st.subheader("Eligible customers")
    st.dataframe(eligible, hide_index=True, use_container_width=True)
    ui.download(eligible, "insiders_eligible.csv", "Download eligible customers (CSV)")
