"""Train (or reuse) the campaign-response models and register new versions.

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
from revenue_ml.domains import campaign


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    with clear_errors():
        result = campaign.train(
            features=frame(dbt.ref("campaign_features")),
            existing=existing_rows(dbt, session),
            policy=dbt.config.get("retrain_policy"),
            forbidden=forbidden_features(dbt.ref("forbidden_features"), campaign.DOMAIN),
            auc_floor=optional_float(dbt.config.get("auc_floor")),
            cv_folds=int(dbt.config.get("cv_folds")),
            gate_min_positives=int(dbt.config.get("gate_min_positives")),
            objectives=frame(dbt.ref("campaign_objective_definitions")),
            segment_seed=int(dbt.config.get("segment_seed")),
            runtime=runtime(dbt.config.get("ml_threads"), dbt.config.get("dbt_threads")),
        )
    return result
