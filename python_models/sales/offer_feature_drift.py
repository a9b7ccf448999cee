"""Drift of the open offers (the batch to score) against the at_open model's training data."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import sales
from revenue_ml.settings import MlSettings


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        drift = sales.feature_drift(
            features=frame(dbt.ref("offer_features")),
            registry=frame(dbt.ref("offer_model_versions")),
            settings=MlSettings.from_table(frame(dbt.source("ml", "build_settings"))),
        )
    return drift
