"""Model health: registry, metrics across runs, drift flags and data-quality results."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data, ui


def render() -> None:
    snap = ui.snapshot()
    st.title("Model health")
    if not ui.require(snap, ["ml.model_registry"], "Model registry"):
        return

    registry = data.registry(snap)
    latest = registry[registry["is_latest_version"].astype(bool)]
    k1, k2, k3 = st.columns(3)
    k1.metric("Registered model versions", ui.fmt_int(len(registry)))
    k2.metric(
        "Latest versions passing their gate",
        f"{int(latest['passed_gate'].astype(bool).sum())} / {len(latest)}",
    )
    drift = data.drift(snap)
    k3.metric(
        "Drifted features",
        ui.fmt_int(drift["is_drifted"].astype(bool).sum()) if "is_drifted" in drift else "0",
    )

    st.subheader("Model registry")
    st.dataframe(registry, hide_index=True, use_container_width=True)

    if snap.has("ml.model_run_history"):
        st.subheader("Metrics across runs")
        history = data.run_history(snap)
        if len(history):
            fig = px.line(
                history,
                x="run_started_at",
                y="primary_metric_value",
                color="model_name",
                markers=True,
                labels={"primary_metric_value": "primary metric (CV AUC)"},
            )
            st.plotly_chart(fig, use_container_width=True)
        st.dataframe(history, hide_index=True, use_container_width=True)

    st.subheader("Drift flags")
    if drift.empty:
        st.info("No drift mart published.")
    else:
        st.dataframe(
            drift.sort_values("is_drifted", ascending=False),
            hide_index=True,
            use_container_width=True,
        )

    st.subheader("Data quality")
    if snap.has("quality.raw_row_accounting"):
        accounting = data.row_accounting(snap)
        q1, q2, q3 = st.columns(3)
        q1.metric("Raw rows", ui.fmt_int(accounting["raw_rows"].sum()))
        q2.metric("Rejected rows", ui.fmt_int(accounting["rejected_rows"].sum()))
        q3.metric(
            "Files reconciled",
            f"{int(accounting['is_reconciled'].astype(bool).sum())} / {len(accounting)}",
        )
        st.dataframe(accounting, hide_index=True, use_container_width=True)
    if snap.has("quality.rejected_rows_by_reason"):
        rejects = data.rejects_by_source(snap)
        if len(rejects):
            fig = px.bar(
                rejects,
                x="rejected_rows",
                y="source_name",
                color="reject_reason",
                orientation="h",
                labels={"source_name": ""},
            )
            st.plotly_chart(fig, use_container_width=True)
        st.dataframe(rejects, hide_index=True, use_container_width=True)
