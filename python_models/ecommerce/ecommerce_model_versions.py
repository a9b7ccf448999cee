"""The Insiders registry: the selected segmentation (spaces x families x k), registered as
champion or challenger when the retrain policy trains it (MLflow when a tracking URI is set);
incremental, nothing is appended when it is reused."""

from revenue_ml.dbt import model_versions
from revenue_ml.domains import ecommerce


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    features = dbt.ref("customer_features")
    return model_versions(dbt, session, ecommerce, dbt.source("ml", "build_settings"), features)
