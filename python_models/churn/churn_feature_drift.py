"""Drift of the unlabelled batch (customers to score) against the churn model's training data."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import churn


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        result = churn.feature_drift(
            features=frame(dbt.ref("churn_features")),
            registry=frame(dbt.ref("churn_model_versions")),
            ks_threshold=float(dbt.config.get("drift_ks_threshold")),
            psi_threshold=float(dbt.config.get("drift_psi_threshold")),
        )
    return result
