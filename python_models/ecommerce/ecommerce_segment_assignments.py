"""Assign every customer to a cluster by the registered segmentation, name each segment and
its action from the assigned customers, and flag the Insiders."""

from revenue_ml.dbt import run
from revenue_ml.domains import ecommerce


def model(dbt, session):
    dbt.config(materialized="table")
    features, versions = dbt.ref("customer_features"), dbt.ref("ecommerce_model_versions")
    settings = ecommerce.Settings, dbt.source("ml", "build_settings")
    actions = dbt.ref("segment_actions")
    return run(ecommerce.assign, features, versions, settings=settings, actions=actions)
