"""KMeans segments (k = 2 and k = 3) of every campaign customer, by the registered models."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import campaign


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        segments = campaign.segment(
            features=frame(dbt.ref("campaign_features")),
            registry=frame(dbt.ref("campaign_model_versions")),
        )
    return segments
