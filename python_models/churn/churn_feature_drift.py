"""Drift of the unlabelled batch (customers to score) against the churn model's training data."""

from revenue_ml.dbt import run
from revenue_ml.domains import churn
from revenue_ml.settings import MlSettings


def model(dbt, session):
    dbt.config(materialized="table")
    features, registry = dbt.ref("churn_features"), dbt.ref("churn_model_versions")
    settings = MlSettings, dbt.source("ml", "build_settings")
    return run(churn.feature_drift, features, registry, settings=settings)
