"""Train (or reuse) the enrollment forecast model, with its rolling-origin backtest, and
register new versions.

Incremental: a build appends a row only when it trains."""

from revenue_ml.dbt import clear_errors, existing_rows, frame
from revenue_ml.domains import enrollment


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    with clear_errors():
        registry = enrollment.train(
            features=frame(dbt.ref("enrollment_class_features")),
            existing=existing_rows(dbt, session),
            settings=enrollment.Settings.from_table(frame(dbt.source("ml", "build_settings"))),
        )
    return registry
