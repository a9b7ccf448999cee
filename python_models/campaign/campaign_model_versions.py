"""Train (or reuse) the campaign models (response, baseline, segments) and register new versions.

Incremental: a build appends a row per model it trains; a reused model adds nothing."""

from revenue_ml.dbt import clear_errors, existing_rows, forbidden_features, frame
from revenue_ml.domains import campaign


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    with clear_errors():
        registry = campaign.train(
            features=frame(dbt.ref("campaign_features")),
            existing=existing_rows(dbt, session),
            settings=campaign.Settings.from_table(frame(dbt.source("ml", "build_settings"))),
            objectives=frame(dbt.ref("campaign_objective_definitions")),
            forbidden=forbidden_features(dbt.ref("forbidden_features"), campaign.DOMAIN),
        )
    return registry
