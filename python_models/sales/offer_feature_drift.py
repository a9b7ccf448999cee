"""Drift of the open offers (the batch to score) against the at_open model's training data."""

from revenue_ml.dbt import run
from revenue_ml.domains import sales
from revenue_ml.settings import MlSettings


def model(dbt, session):
    dbt.config(materialized="table")
    features, registry = dbt.ref("offer_features"), dbt.ref("offer_model_versions")
    settings = MlSettings, dbt.source("ml", "build_settings")
    return run(sales.feature_drift, features, registry, settings=settings)
