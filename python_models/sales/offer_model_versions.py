"""Train (or reuse) the offer models and register new versions
(each registered as champion or challenger; logged to MLflow when a tracking URI is set).

Incremental: a build appends a row per model it trains; a reused model adds nothing."""

from revenue_ml.dbt import clear_errors, existing_rows, forbidden_features, frame
from revenue_ml.domains import sales
from revenue_ml.ml.lifecycle import register
from revenue_ml.settings import RegistrySettings


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    with clear_errors():
        settings = frame(dbt.source("ml", "build_settings"))
        existing = existing_rows(dbt, session)
        trained = sales.train(
            features=frame(dbt.ref("offer_features")),
            existing=existing,
            settings=sales.Settings.from_table(settings),
            forbidden=forbidden_features(dbt.ref("forbidden_features"), sales.DOMAIN),
        )
        lookups = {
            # what the MLflow models of new versions keep (read only when one is logged)
            "ml.build_settings": settings,
            "sales.lead_attributes": dbt.ref("lead_attributes"),
            "seeds.offer_statuses": dbt.ref("offer_statuses"),
        }
        registry = register(trained, existing, RegistrySettings.from_table(settings), lookups)
    return registry
