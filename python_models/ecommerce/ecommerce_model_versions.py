"""Train (or reuse) the Insiders segmentation and register new versions
(each registered as champion or challenger; logged to MLflow when a tracking URI is set).

Incremental: a build appends a row when it trains; a reused model adds nothing."""

from revenue_ml.dbt import clear_errors, existing_rows, frame
from revenue_ml.domains import ecommerce
from revenue_ml.ml.lifecycle import register
from revenue_ml.settings import RegistrySettings


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    with clear_errors():
        settings = frame(dbt.source("ml", "build_settings"))
        existing = existing_rows(dbt, session)
        trained = ecommerce.train(
            features=frame(dbt.ref("customer_features")),
            existing=existing,
            settings=ecommerce.Settings.from_table(settings),
        )
        registry = register(trained, existing, RegistrySettings.from_table(settings))
    return registry
