"""Campaign (reference 002): who to contact per business objective, scoring one customer with
the registered model, and the k = 2 / k = 3 segment profiles."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard import data, ui


def render() -> None:
    snap = ui.snapshot()
    st.title("Campaign")
    st.caption(
        "Probability that a customer accepts the next campaign, and whom to contact "
        "for each business objective (campaign.campaign_scores, "
        "campaign.campaign_objectives)."
    )
    if not ui.require(snap, [data.CAMPAIGN_SCORES, data.CAMPAIGN_OBJECTIVES], "Campaign"):
        return

    objectives = data.campaign_objectives(snap)
    objective_col = data.campaign_objective_column(snap) or objectives.columns[0]
    names = objectives[objective_col].astype(str).tolist()
    objective = st.selectbox("Business objective", names)
    row = objectives[objectives[objective_col].astype(str) == objective].iloc[0]

    st.subheader("Expected economics")
    st.caption(
        "Estimates from cross-validated (out-of-fold) probabilities of the labelled "
        "customers, so they hold for customers the model has not seen. The contact list "
        "below applies the same threshold to the current scores."
    )
    bookkeeping = {"display_order", "model_version", "previous_threshold_same_rule"}
    numeric = [
        c
        for c in objectives.columns
        if c != objective_col
        and c not in bookkeeping
        and pd.api.types.is_numeric_dtype(objectives[c])
    ]
    for start in range(0, len(numeric), 4):
        cols = st.columns(4)
        for col, name in zip(cols, numeric[start : start + 4], strict=False):
            value = row[name]
            shown = ui.fmt_int(value) if float(value).is_integer() else f"{value:,.3f}"
            col.metric(name.replace("_", " ").capitalize(), shown)
    text = [
        c
        for c in objectives.columns
        if c != objective_col and c not in numeric and c not in bookkeeping
    ]
    for name in text:
        st.caption(f"**{name.replace('_', ' ')}**: {row[name]}")

    st.subheader("Customers to contact")
    contacts = data.campaign_contacts(snap, objective)
    st.caption(f"Showing {ui.fmt_int(len(contacts))} customers to contact for '{objective}'.")
    st.dataframe(contacts, hide_index=True, use_container_width=True)
    ui.download(contacts, f"campaign_contacts_{objective}.csv", "Download contact list (CSV)")

    score_form(snap, objectives, objective_col)
    segment_profiles(snap)


CAMPAIGN_FEATURES = "campaign.campaign_features"
TYPICAL = "(typical customer)"


def _default(snap: data.Snapshot, feature: str, categorical: bool):
    """A sensible starting value: the median (or most common value) among scored customers."""
    for table in [data.CAMPAIGN_SCORES, *snap.tables_like(r"^marts\.campaign_")]:
        if feature in snap.columns(table):
            col = data.quote(feature)
            sql = (
                f"select mode({col}) from {table}"
                if categorical
                else f"select median({col}::double) from {table}"
            )
            return snap.scalar(sql), table
    return None, None


def _customer_values(snap: data.Snapshot, customer: str, features: list[str]) -> dict:
    """The registered model's features of one customer, from campaign.campaign_features."""
    if not snap.has(CAMPAIGN_FEATURES):
        return {}
    cols = [f for f in features if f in snap.columns(CAMPAIGN_FEATURES)]
    rows = snap.df(
        f"select {', '.join(data.quote(c) for c in cols)} from {CAMPAIGN_FEATURES} "
        "where customer_id::varchar = ?",
        [customer],
    )
    return {} if rows.empty else rows.iloc[0].to_dict()


def score_form(snap: data.Snapshot, objectives: pd.DataFrame, objective_col: str) -> None:
    st.subheader("Score a customer")
    record = data.campaign_model_record(snap)
    if record is None:
        st.info("The campaign model is not in this snapshot's registry yet.")
        return
    features = json.loads(record["feature_names"])
    categorical = set(json.loads(record["categorical_features"]))
    st.caption(
        f"Scored with `{record['model_name']}` v{int(record['model_version'])} from the "
        "snapshot's model registry, by the package's own scoring code. Start from a "
        "typical customer (medians) or from an existing one, change any value, score."
    )
    customers = (
        [
            str(v)
            for v in snap.df(
                f"select customer_id::varchar as v from {CAMPAIGN_FEATURES} order by customer_id"
            )["v"]
        ]
        if snap.has(CAMPAIGN_FEATURES)
        else []
    )
    start = st.selectbox("Start from customer", [TYPICAL, *customers])
    preset = {} if start == TYPICAL else _customer_values(snap, start, features)
    with st.form("score_customer"):
        values, cols = {}, st.columns(3)
        for i, feature in enumerate(features):
            default, table = _default(snap, feature, feature in categorical)
            if feature in preset:
                default = preset[feature]
            box = cols[i % 3]
            if feature in categorical:
                options = (
                    [
                        str(v)
                        for v in snap.df(
                            f"select distinct {data.quote(feature)}::varchar as v from {table} "
                            "where v is not null order by 1"
                        )["v"]
                    ]
                    if table
                    else []
                )
                values[feature] = (
                    box.selectbox(
                        feature,
                        options,
                        index=options.index(str(default)) if str(default) in options else 0,
                    )
                    if options
                    else box.text_input(feature)
                )
            else:
                shown = 0.0 if default is None or pd.isna(default) else float(default)
                values[feature] = box.number_input(feature, value=shown)
        submitted = st.form_submit_button("Score")
    if submitted:
        result = data.score_one(record, values)
        st.metric("Probability of accepting the campaign", f"{result['probability']:.4f}")
        st.caption(f"Top driver: {result['top_feature']}")
        threshold_col = data.pick(list(objectives.columns), "threshold", "probability_threshold")
        if threshold_col:
            verdict = objectives[[objective_col, threshold_col]].copy()
            verdict["contact"] = result["probability"] >= verdict[threshold_col]
            st.dataframe(verdict, hide_index=True, use_container_width=True)


def segment_profiles(snap: data.Snapshot) -> None:
    st.subheader("Segment profiles")
    if not snap.has(data.CAMPAIGN_PROFILES):
        ui.not_built([data.CAMPAIGN_PROFILES], "Segment profiles")
        return
    profiles = snap.df(f"select * from {data.CAMPAIGN_PROFILES}")
    k_col = data.pick(list(profiles.columns), "k", "n_clusters", "segment_k", "clusters")
    if k_col is None:
        st.dataframe(profiles, hide_index=True, use_container_width=True)
        return
    ks = sorted(profiles[k_col].dropna().unique().tolist())
    for tab, k in zip(st.tabs([f"k = {int(k)}" for k in ks]), ks, strict=True):
        with tab:
            st.dataframe(profiles[profiles[k_col] == k], hide_index=True, use_container_width=True)
