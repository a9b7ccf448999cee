"""Train (or reuse) the enrollment forecast model, with its rolling-origin backtest, and
register new versions (each as champion or challenger; logged to MLflow when a tracking URI
is set).

Incremental: a build appends a row only when it trains."""

from revenue_ml.dbt import model_versions
from revenue_ml.domains import enrollment


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    features = dbt.ref("enrollment_class_features")
    return model_versions(dbt, session, enrollment, dbt.source("ml", "build_settings"), features)
