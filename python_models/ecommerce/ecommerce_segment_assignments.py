"""Assign every customer to a cluster by the registered segmentation, name each segment and
its action from the assigned customers, and flag the Insiders."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import ecommerce


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        assignments = ecommerce.assign(
            features=frame(dbt.ref("customer_features")),
            versions=frame(dbt.ref("ecommerce_model_versions")),
            settings=ecommerce.Settings.from_table(frame(dbt.source("ml", "build_settings"))),
            actions=frame(dbt.ref("segment_actions")),
        )
    return assignments
