"""Score every customer's response probability with the latest passing campaign model."""

from revenue_ml.dbt import frame
from revenue_ml.domains import campaign


def model(dbt, session):
    dbt.config(materialized="table")
    return campaign.score_customers(
        features=frame(dbt.ref("campaign_features")),
        registry=frame(dbt.ref("campaign_model_versions")),
    )
