"""Assign every customer to a segment with the latest registered model (no refitting)."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import ecommerce


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        result = ecommerce.assign(
            features=frame(dbt.ref("customer_features")),
            versions=frame(dbt.ref("ecommerce_model_versions")),
            insiders_target=float(dbt.config.get("insiders_revenue_share_target")),
            max_customer_share=float(dbt.config.get("insiders_max_customer_share")),
        )
    return result
