"""The churn registry: churn_lightgbm (searched) and its random-forest baseline, trained when
the retrain policy says so; each new version registered as champion or challenger and logged to
MLflow when a tracking URI is set. Incremental: one row per trained model."""

from revenue_ml.dbt import model_versions
from revenue_ml.domains import churn


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    features, forbidden = dbt.ref("churn_features"), dbt.ref("forbidden_features")
    settings = dbt.source("ml", "build_settings")
    return model_versions(dbt, session, churn, settings, features, forbidden)
