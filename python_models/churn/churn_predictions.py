"""Score every customer with the latest passing registered churn model."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import churn


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        scores = churn.score_customers(
            features=frame(dbt.ref("churn_features")),
            registry=frame(dbt.ref("churn_model_versions")),
        )
    return scores
