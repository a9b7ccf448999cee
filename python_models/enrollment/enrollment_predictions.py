"""Forecast the next period's classes with the registered model (or the best naive baseline
when it beat the model in the backtest)."""

from revenue_ml.dbt import run
from revenue_ml.domains import enrollment


def model(dbt, session):
    dbt.config(materialized="table")
    features = dbt.ref("enrollment_class_features")
    registry, settings = dbt.ref("enrollment_model_versions"), dbt.source("ml", "build_settings")
    return run(enrollment.forecast, features, registry, settings=(enrollment.Settings, settings))
