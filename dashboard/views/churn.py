"""Churn: customers at risk, probability distribution, top drivers, model metrics."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data, ui


def render() -> None:
    snap = ui.snapshot()
    st.title("Churn")
    st.caption("Probability that a telco customer churns (churn.churn_scores).")
    if not ui.require(snap, [data.CHURN_TABLE], "Churn"):
        return

    summary = data.churn_summary(snap)
    k1, k2, k3 = st.columns(3)
    k1.metric("Customers at risk", ui.fmt_int(summary["at_risk"]))
    k2.metric("Customers scored", ui.fmt_int(summary["customers"]))
    k3.metric(
        "Share at risk",
        f"{summary['at_risk'] / summary['customers']:.1%}" if summary["customers"] else "-",
    )

    scores = snap.df(f"select * from {data.CHURN_TABLE}")
    left, right = st.columns(2)
    with left:
        st.subheader("Probability distribution")
        hist = px.histogram(
            scores,
            x="probability",
            nbins=40,
            color=scores["predicted_label"].map({1: "at risk", 0: "not at risk"}),
            labels={"color": "prediction"},
        )
        if "threshold" in scores.columns and len(scores):
            hist.add_vline(
                x=float(scores["threshold"].iloc[0]), line_dash="dash", annotation_text="threshold"
            )
        st.plotly_chart(hist, use_container_width=True)
    versions = data.scoring_versions(snap, data.CHURN_TABLE)
    with right:
        st.subheader("Top drivers")
        importance = data.feature_importance(snap, versions)
        if importance.empty:
            st.info("No feature importance published for the churn model.")
        else:
            shown = importance[importance["model_name"] == importance["model_name"].iloc[0]]
            bar = px.bar(
                shown.head(15).sort_values("mean_abs_contribution"),
                x="mean_abs_contribution",
                y="feature",
                orientation="h",
                labels={"mean_abs_contribution": "mean |contribution|", "feature": ""},
            )
            st.plotly_chart(bar, use_container_width=True)

    st.subheader("Customers at risk")
    at_risk = data.churn_at_risk(snap)
    st.caption(f"Showing {ui.fmt_int(len(at_risk))} customers, most likely to churn first.")
    st.dataframe(at_risk, hide_index=True, use_container_width=True)
    ui.download(at_risk, "churn_at_risk.csv", "Download customers at risk (CSV)")

    st.subheader("Model metrics")
    metrics = data.model_metrics(snap, versions)
    if metrics.empty:
        st.info("No evaluation published for the churn model.")
    else:
        st.dataframe(metrics, hide_index=True, use_container_width=True)
