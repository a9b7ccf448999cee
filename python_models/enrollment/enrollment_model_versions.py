"""Train (or reuse) the enrollment forecast model, with its rolling-origin backtest, and
register new versions (each as champion or challenger; logged to MLflow when a tracking URI
is set).

Incremental: a build appends a row only when it trains."""

from revenue_ml.dbt import clear_errors, existing_rows, frame
from revenue_ml.domains import enrollment
from revenue_ml.ml.lifecycle import register
from revenue_ml.settings import RegistrySettings


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    with clear_errors():
        settings = frame(dbt.source("ml", "build_settings"))
        existing = existing_rows(dbt, session)
        trained = enrollment.train(
            features=frame(dbt.ref("enrollment_class_features")),
            existing=existing,
            settings=enrollment.Settings.from_table(settings),
        )
        registry = register(trained, existing, RegistrySettings.from_table(settings))
    return registry
