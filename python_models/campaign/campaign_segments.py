"""KMeans segments (k = 2 and k = 3) of every campaign customer."""

from revenue_ml.dbt import frame
from revenue_ml.domains import campaign


def model(dbt, session):
    dbt.config(materialized="table")
    return campaign.segment(
        features=frame(dbt.ref("campaign_features")),
        seed=int(dbt.config.get("segment_seed")),
    )
