"""Train (or reuse) the churn models and register new versions
(each registered as champion or challenger; logged to MLflow when a tracking URI is set).

Incremental: a build appends a row per model it trains; a reused model adds nothing."""

from revenue_ml.dbt import model_versions
from revenue_ml.domains import churn


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    features, forbidden = dbt.ref("churn_features"), dbt.ref("forbidden_features")
    settings = dbt.source("ml", "build_settings")
    return model_versions(dbt, session, churn, settings, features, forbidden)
