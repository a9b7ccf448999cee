"""Train (or reuse) the churn models and register new versions
(each registered as champion or challenger; logged to MLflow when a tracking URI is set).

Incremental: a build appends a row per model it trains; a reused model adds nothing."""

from revenue_ml.dbt import clear_errors, existing_rows, forbidden_features, frame
from revenue_ml.domains import churn
from revenue_ml.ml.lifecycle import register
from revenue_ml.settings import RegistrySettings


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    with clear_errors():
        settings = frame(dbt.source("ml", "build_settings"))
        existing = existing_rows(dbt, session)
        trained = churn.train(
            features=frame(dbt.ref("churn_features")),
            existing=existing,
            settings=churn.Settings.from_table(settings),
            forbidden=forbidden_features(dbt.ref("forbidden_features"), churn.DOMAIN),
        )
        # the MLflow models of new versions keep the staging limits (revenue_ml.ml.pyfunc)
        lookups = {"ml.build_settings": settings}
        registry = register(trained, existing, RegistrySettings.from_table(settings), lookups)
    return registry
