"""Drift of the open offers (the scoring batch) against the registered models' training data."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import sales_pipeline


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        result = sales_pipeline.feature_drift(
            features=frame(dbt.ref("offer_features")),
            registry=frame(dbt.ref("offer_model_versions")),
            ks_threshold=float(dbt.config.get("drift_ks_threshold")),
            psi_threshold=float(dbt.config.get("drift_psi_threshold")),
        )
    return result
