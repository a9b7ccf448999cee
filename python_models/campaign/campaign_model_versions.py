"""The campaign registry: the response blend, its default-LightGBM baseline (both with the
objectives' thresholds) and the k = 2 and k = 3 segments; new versions registered as champion or
challenger, mirrored to MLflow when a tracking URI is set. Appends only what it trains."""

from revenue_ml.dbt import model_versions
from revenue_ml.domains import campaign


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    features, forbidden = dbt.ref("campaign_features"), dbt.ref("forbidden_features")
    settings = dbt.source("ml", "build_settings")
    objectives = dbt.ref("campaign_objective_definitions")
    # what the MLflow models of new versions keep (read only when one is logged)
    lookups = {
        "campaign.campaign_feature_parameters": dbt.ref("campaign_feature_parameters"),
        "seeds.marital_status_map": dbt.ref("marital_status_map"),
    }
    return model_versions(
        dbt, session, campaign, settings, features, forbidden, lookups, objectives=objectives
    )
