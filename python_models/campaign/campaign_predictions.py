"""Score every campaign customer with the latest passing registered response model."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import campaign


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        scores = campaign.score_customers(
            features=frame(dbt.ref("campaign_features")),
            registry=frame(dbt.ref("campaign_model_versions")),
        )
    return scores
