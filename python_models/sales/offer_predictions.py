"""Score every offer with the registered models: open offers at their age today (by_age, or
its baseline when the model does not beat it), closed offers with at_close."""

from revenue_ml.dbt import run
from revenue_ml.domains import sales


def model(dbt, session):
    dbt.config(materialized="table")
    features, registry = dbt.ref("offer_features"), dbt.ref("offer_model_versions")
    settings = sales.Settings, dbt.source("ml", "build_settings")
    return run(sales.score_offers, features, registry, settings=settings)
