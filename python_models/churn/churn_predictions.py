"""Score every customer with the champion churn model (reasons for every active customer)."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import churn


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        settings = churn.Settings.from_table(frame(dbt.source("ml", "build_settings")))
        scores = churn.score_customers(
            features=frame(dbt.ref("churn_features")),
            registry=frame(dbt.ref("churn_model_versions")),
            currency=settings.currency,
        )
    return scores
