"""Forecast the next period's classes with the registered model (or the best naive baseline
when it beat the model in the backtest)."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import enrollment


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        forecast = enrollment.forecast(
            features=frame(dbt.ref("enrollment_class_features")),
            registry=frame(dbt.ref("enrollment_model_versions")),
            settings=enrollment.Settings.from_table(frame(dbt.source("ml", "build_settings"))),
        )
    return forecast
