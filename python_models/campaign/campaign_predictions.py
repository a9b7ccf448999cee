"""Score every campaign customer with the serving response model (its champion, or its
baseline's when it does not beat it)."""

from revenue_ml.dbt import run
from revenue_ml.domains import campaign


def model(dbt, session):
    dbt.config(materialized="table")
    features, registry = dbt.ref("campaign_features"), dbt.ref("campaign_model_versions")
    return run(campaign.score_customers, features, registry)
