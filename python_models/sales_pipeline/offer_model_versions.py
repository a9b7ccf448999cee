"""Train (or reuse) the offer close-won models and register new versions.

Incremental: each build appends a row per model it trained; a reused model adds nothing.
"""

from revenue_ml.dbt import (
    clear_errors,
    existing_rows,
    forbidden_features,
    frame,
    optional_float,
    runtime,
)
from revenue_ml.domains import sales_pipeline


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    floors = {
        "at_close": optional_float(dbt.config.get("auc_floor_at_close")),
        "at_open": optional_float(dbt.config.get("auc_floor_at_open")),
    }
    with clear_errors():
        result = sales_pipeline.train(
            features=frame(dbt.ref("offer_features")),
            existing=existing_rows(dbt, session),
            policy=dbt.config.get("retrain_policy"),
            forbidden=forbidden_features(dbt.ref("forbidden_features"), sales_pipeline.DOMAIN),
            floors=floors,
            runtime=runtime(dbt.config.get("ml_threads"), dbt.config.get("dbt_threads")),
        )
    return result
