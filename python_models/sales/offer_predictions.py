"""Score every offer with the registered models: open offers at their age today (by_age, or
its baseline when the model does not beat it), closed offers with at_close."""

from revenue_ml.dbt import clear_errors, forbidden_features, frame
from revenue_ml.domains import sales


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        scores = sales.score_offers(
            features=frame(dbt.ref("offer_features")),
            registry=frame(dbt.ref("offer_model_versions")),
            forbidden=forbidden_features(dbt.ref("forbidden_features"), sales.DOMAIN),
            settings=sales.Settings.from_table(frame(dbt.source("ml", "build_settings"))),
        )
    return scores
