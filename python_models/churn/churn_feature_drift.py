"""Drift of the unlabelled batch (customers to score) against the churn model's training data."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import churn
from revenue_ml.settings import MlSettings


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        drift = churn.feature_drift(
            features=frame(dbt.ref("churn_features")),
            registry=frame(dbt.ref("churn_model_versions")),
            settings=MlSettings.from_table(frame(dbt.source("ml", "build_settings"))),
        )
    return drift
