"""Train (or reuse) the campaign models (response, baseline, segments) and register new versions
(each registered as champion or challenger; logged to MLflow when a tracking URI is set).

Incremental: a build appends a row per model it trains; a reused model adds nothing."""

from revenue_ml.dbt import clear_errors, existing_rows, forbidden_features, frame
from revenue_ml.domains import campaign
from revenue_ml.ml.lifecycle import register
from revenue_ml.settings import RegistrySettings


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    with clear_errors():
        settings = frame(dbt.source("ml", "build_settings"))
        existing = existing_rows(dbt, session)
        trained = campaign.train(
            features=frame(dbt.ref("campaign_features")),
            existing=existing,
            settings=campaign.Settings.from_table(settings),
            objectives=frame(dbt.ref("campaign_objective_definitions")),
            forbidden=forbidden_features(dbt.ref("forbidden_features"), campaign.DOMAIN),
        )
        lookups = {
            # what the MLflow models of new versions keep (read only when one is logged)
            "ml.build_settings": settings,
            "campaign.campaign_feature_parameters": dbt.ref("campaign_feature_parameters"),
            "seeds.marital_status_map": dbt.ref("marital_status_map"),
        }
        registry = register(trained, existing, RegistrySettings.from_table(settings), lookups)
    return registry
