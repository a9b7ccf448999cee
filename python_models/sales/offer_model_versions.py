"""Train (or reuse) the offer models and register new versions
(each registered as champion or challenger; logged to MLflow when a tracking URI is set).

Incremental: a build appends a row per model it trains; a reused model adds nothing."""

from revenue_ml.dbt import model_versions
from revenue_ml.domains import sales


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    features, forbidden = dbt.ref("offer_features"), dbt.ref("forbidden_features")
    settings = dbt.source("ml", "build_settings")
    # what the MLflow models of new versions keep (read only when one is logged)
    lookups = {
        "sales.lead_attributes": dbt.ref("lead_attributes"),
        "seeds.offer_statuses": dbt.ref("offer_statuses"),
    }
    return model_versions(dbt, session, sales, settings, features, forbidden, lookups)
