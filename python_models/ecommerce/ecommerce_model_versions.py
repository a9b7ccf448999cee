"""Train (or reuse) the Insiders segmentation and register new versions
(each registered as champion or challenger; logged to MLflow when a tracking URI is set).

Incremental: a build appends a row when it trains; a reused model adds nothing."""

from revenue_ml.dbt import model_versions
from revenue_ml.domains import ecommerce


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    features = dbt.ref("customer_features")
    return model_versions(dbt, session, ecommerce, dbt.source("ml", "build_settings"), features)
