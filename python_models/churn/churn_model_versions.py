"""Train (or reuse) the churn models and register new versions.

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
from revenue_ml.domains import churn


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    with clear_errors():
        result = churn.train(
            features=frame(dbt.ref("churn_features")),
            existing=existing_rows(dbt, session),
            policy=dbt.config.get("retrain_policy"),
            forbidden=forbidden_features(dbt.ref("forbidden_features"), churn.DOMAIN),
            auc_floor=optional_float(dbt.config.get("auc_floor")),
            cv_folds=int(dbt.config.get("cv_folds")),
            gate_min_positives=int(dbt.config.get("gate_min_positives")),
            max_candidates=int(dbt.config.get("search_max_candidates")),
            runtime=runtime(dbt.config.get("ml_threads"), dbt.config.get("dbt_threads")),
        )
    return result
