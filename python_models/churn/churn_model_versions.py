"""Train (or reuse) the churn models and register new versions.

Incremental: a build appends a row per model it trains; a reused model adds nothing."""

from revenue_ml.dbt import clear_errors, existing_rows, forbidden_features, frame
from revenue_ml.domains import churn


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    with clear_errors():
        registry = churn.train(
            features=frame(dbt.ref("churn_features")),
            existing=existing_rows(dbt, session),
            settings=churn.Settings.from_table(frame(dbt.source("ml", "build_settings"))),
            forbidden=forbidden_features(dbt.ref("forbidden_features"), churn.DOMAIN),
        )
    return registry
