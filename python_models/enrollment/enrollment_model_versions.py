"""Train (or reuse) the enrollment forecast model, with its rolling-origin backtest, and
register new versions. Incremental: a build appends a row only when it trains."""

from revenue_ml.dbt import clear_errors, existing_rows, frame, runtime
from revenue_ml.domains import enrollment


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    with clear_errors():
        result = enrollment.train(
            features=frame(dbt.ref("enrollment_class_features")),
            existing=existing_rows(dbt, session),
            policy=dbt.config.get("retrain_policy"),
            backtest_periods=int(dbt.config.get("backtest_periods")),
            versions={
                # literal config.get calls: dbt exposes only the config keys it finds in the code
                "raw_version": dbt.config.get("raw_version"),
                "platinum_version": dbt.config.get("platinum_version"),
                "features_version": dbt.config.get("features_version"),
                "target_version": dbt.config.get("target_version"),
                "experiment_name": dbt.config.get("experiment_name"),
            },
            runtime=runtime(dbt.config.get("ml_threads"), dbt.config.get("dbt_threads")),
        )
    return result
