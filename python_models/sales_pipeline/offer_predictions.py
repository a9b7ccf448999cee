"""Score every offer with the registered models (open: at_open, closed: at_close)."""

from revenue_ml.dbt import clear_errors, forbidden_features, frame
from revenue_ml.domains import sales_pipeline


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        result = sales_pipeline.score_offers(
            features=frame(dbt.ref("offer_features")),
            registry=frame(dbt.ref("offer_model_versions")),
            forbidden=forbidden_features(dbt.ref("forbidden_features"), sales_pipeline.DOMAIN),
        )
    return result
