"""Score every customer with the champion churn model (reasons for every active customer)."""

from revenue_ml.dbt import run
from revenue_ml.domains import churn


def model(dbt, session):
    dbt.config(materialized="table")
    features, registry = dbt.ref("churn_features"), dbt.ref("churn_model_versions")
    settings = churn.Settings, dbt.source("ml", "build_settings")
    return run(churn.score_customers, features, registry, settings=settings)
