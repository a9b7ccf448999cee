"""The offer registry: the by_age, at_open and at_close models with their baselines, trained
when the retrain policy says so and registered (champion or challenger; MLflow when a tracking
URI is set). A reused model adds no row."""

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
