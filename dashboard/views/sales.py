"""Sales pipeline (reference 000): positive predictions, label split, scored offers, drivers."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data, ui


def render() -> None:
    snap = ui.snapshot()
    st.title("Sales pipeline")
    st.caption(
        "Probability that each offer closes won: open offers scored with the `at_open` "
        "model, closed ones with `at_close` (sales.offer_scores)."
    )
    if not ui.require(snap, data.SALES_TABLES, "Sales pipeline"):
        return

    options = data.sales_filter_options(snap)
    c1, c2, c3 = st.columns([2, 2, 1])
    use_cases = c1.multiselect("Use case", options["use_case"], placeholder="All use cases")
    sources = c2.multiselect("Lead source", options["lead_source"], placeholder="All sources")
    state = data.OFFER_STATES[c3.radio("Offers", list(data.OFFER_STATES), horizontal=True)]

    summary = data.sales_summary(snap, use_cases, sources, state)
    k1, k2, k3 = st.columns(3)
    k1.metric("Total positive predictions", ui.fmt_int(summary["predicted_wins"]))
    k2.metric("Predicted losses", ui.fmt_int(summary["predicted_losses"]))
    k3.metric("Offers scored", ui.fmt_int(summary["offers"]))

    left, right = st.columns(2)
    with left:
        st.subheader("Predicted labels")
        pie = px.pie(
            names=["Predicted win", "Predicted loss"],
            values=[summary["predicted_wins"], summary["predicted_losses"]],
            hole=0.4,
            color_discrete_sequence=["#2e7d32", "#c62828"],
        )
        st.plotly_chart(pie, use_container_width=True)
    with right:
        st.subheader("Most important features")
        importance = data.feature_importance(
            snap, data.scoring_versions(snap, "sales.offer_scores")
        )
        if importance.empty:
            st.info("No feature importance published for the scoring models.")
        else:
            model = st.selectbox("Model", sorted(importance["model_name"].unique()))
            shown = importance[importance["model_name"] == model].head(15)
            bar = px.bar(
                shown.sort_values("mean_abs_contribution"),
                x="mean_abs_contribution",
                y="feature",
                orientation="h",
                labels={"mean_abs_contribution": "mean |contribution| (log-odds)", "feature": ""},
            )
            st.plotly_chart(bar, use_container_width=True)

    st.subheader("Scored offers")
    scores = data.sales_scores(snap, use_cases, sources, state)
    st.caption(f"Showing {ui.fmt_int(len(scores))} offers, most likely to close first.")
    st.dataframe(
        scores[
            [
                "offer_id",
                "probability",
                "predicted_label",
                "top_feature",
                "status",
                "use_case",
                "lead_source",
                "variant",
            ]
        ],
        hide_index=True,
        use_container_width=True,
        column_config={
            "probability": st.column_config.ProgressColumn(
                "probability", min_value=0.0, max_value=1.0, format="%.3f"
            )
        },
    )
    ui.download(scores, "offer_scores.csv", "Download scored offers (CSV)")

    if snap.has("sales.offer_model_metrics"):
        st.subheader("Model metrics (latest versions)")
        st.dataframe(
            snap.df(
                "select * exclude (model_version_id) from sales.offer_model_metrics "
                "where is_latest_version order by model_name, evaluation"
            ),
            hide_index=True,
            use_container_width=True,
        )
