"""KMeans segments (k = 2 and k = 3) of every campaign customer, by the registered models."""

from revenue_ml.dbt import run
from revenue_ml.domains import campaign


def model(dbt, session):
    dbt.config(materialized="table")
    features, registry = dbt.ref("campaign_features"), dbt.ref("campaign_model_versions")
    return run(campaign.segment, features, registry)
