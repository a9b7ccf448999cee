"""Score every customer's response probability with the latest passing campaign model."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import campaign


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        result = campaign.score_customers(
            features=frame(dbt.ref("campaign_features")),
            registry=frame(dbt.ref("campaign_model_versions")),
        )
    return result
