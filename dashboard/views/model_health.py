"""Model health: are the models good enough, current, and fed clean data?"""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data, ui
from dashboard.format import Col, humanize, integer

QUESTION = "Are the models good enough, up to date, and fed clean data?"

REGISTRY = [
    Col("model_name", "Model"),
    Col("domain", "Domain"),
    Col("model_version", "Version", "int"),
    Col("alias", "Alias"),
    Col("trained_at", "Trained", "date"),
    Col("training_rows", "Training rows", "int"),
    Col("primary_metric", "Quality measure"),
    Col("primary_metric_value", "Value", "number", 3),
    Col("quality_floor", "Floor", "number", 2),
    Col("passed_gate", "Passed its gate", "bool"),
    Col("retrain_reason", "Why (re)trained"),
    Col("alias_reason", "Why this alias"),
]
PROMOTIONS = [
    Col("promoted_at", "When", "date"),
    Col("model_name", "Model"),
    Col("model_version", "Version promoted", "int"),
    Col("previous_champion_version", "Previous champion", "int"),
    Col("promoted_by", "By"),
    Col("reason", "Why"),
]
DRIFT = [
    Col("model_name", "Model"),
    Col("feature", "Feature"),
    Col("psi", "Population stability (PSI)", "number", 3),
    Col("ks_statistic", "KS statistic", "number", 3),
    Col("batch_rows", "Rows scored", "int"),
    Col("is_drifted", "Drifted", "bool"),
]
QUALITY = [
    Col("source_name", "Source"),
    Col("table_name", "File"),
    Col("raw_rows", "Raw rows", "int"),
    Col("staged_rows", "Staged", "int"),
    Col("rejected_rows", "Rejected", "int"),
    Col("rejected_share", "Rejected share", "percent", 2),
    Col("is_reconciled", "Every row accounted for", "bool"),
]
#: How each metric reads, and which way is better (each gets its own axis).
METRICS = {
    "auc": "AUC (higher is better)",
    "f1": "F1 (higher is better)",
    "precision": "Precision (higher is better)",
    "recall": "Recall (higher is better)",
    "brier": "Brier score (lower is better)",
    "wape": "WAPE (lower is better)",
    "silhouette": "Silhouette (higher is better)",
}


def render() -> None:
    snap = ui.snapshot()
    ui.header("Model health", QUESTION)
    if not ui.require(snap, [data.REGISTRY, data.MODEL_METRICS, data.MODEL_DRIFT], "Models"):
        return
    registry = data.registry(snap)
    latest = registry[registry["is_latest_version"]]
    aliased = registry[registry["alias"].notna()]
    drift = data.drift(snap)
    accounting = data.row_accounting(snap) if snap.has("quality.raw_row_accounting") else None

    k1, k2, k3, k4 = st.columns(4)
    k1.metric("Registered model versions", integer(len(registry)))
    k2.metric(
        "Latest versions passing their gate",
        f"{int(latest['passed_gate'].sum())} / {len(latest)}",
    )
    k2.caption(f"{int((registry['alias'] == 'challenger').sum())} challenger(s) waiting")
    k3.metric("Drifted features", integer(int(drift["is_drifted"].sum()) if len(drift) else 0))
    if accounting is not None:
        k4.metric("Rejected rows", integer(accounting["rejected_rows"].sum()))

    st.subheader("Champions and challengers")
    ui.table(aliased, REGISTRY)
    st.caption(
        "Scoring uses each model's champion. A new version becomes champion only when it is "
        "at least as good as the current one on the same evaluation (var champion_margin); "
        "otherwise it waits as the challenger. Promote one by hand with "
        "`python -m revenue_ml.registry promote <model> <version> --reason ...`."
    )
    promotions = data.promotions(snap)
    if len(promotions):
        st.subheader("Promotions")
        ui.table(promotions, PROMOTIONS)

    st.subheader("How good each model is")
    wide = data.latest_metrics(snap)
    metrics = wide.melt(
        id_vars=["model_name", "evaluation"],
        value_vars=list(METRICS),
        var_name="metric",
        value_name="metric_value",
    ).dropna(subset=["metric_value"])
    if len(metrics):
        metrics["measure"] = metrics["metric"].map(METRICS)
        fig = px.bar(
            metrics,
            x="metric_value",
            y="model_name",
            color="evaluation",
            barmode="group",
            orientation="h",
            facet_col="measure",
            facet_col_wrap=3,
            labels={"metric_value": "", "model_name": "", "evaluation": "Evaluation"},
            height=260 * ((metrics["measure"].nunique() + 2) // 3),
        )
        fig.update_xaxes(matches=None, showticklabels=True)
        fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
        st.plotly_chart(fig, use_container_width=True)
        st.caption(
            "Each measure on its own axis: an AUC and a WAPE do not share a scale, and for "
            "WAPE and the Brier score lower is better."
        )

    st.subheader("Drift of the data being scored")
    if drift.empty:
        st.info("No scoring batch to compare with the training data in this build.")
    else:
        ui.table(drift, DRIFT)
        st.caption(
            "Each scoring model's batch against its own training data (the open-offer model "
            "against the open offers; a feature a model does not use is never compared)."
        )

    if accounting is not None:
        st.subheader("Data quality")
        accounting["source_name"] = accounting["source_name"].map(humanize)
        ui.table(accounting, QUALITY)
        if snap.has("quality.rejected_rows_by_reason"):
            rejects = data.rejects_by_source(snap)
            if len(rejects):
                rejects["reason"] = rejects["reject_reason"].str.replace("_", " ")
                fig = px.bar(
                    rejects,
                    x="rejected_rows",
                    y="source_name",
                    color="reason",
                    orientation="h",
                    labels={"source_name": "", "rejected_rows": "Rejected rows", "reason": ""},
                )
                st.plotly_chart(fig, use_container_width=True)
