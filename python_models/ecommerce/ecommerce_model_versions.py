"""Train (or reuse) the Insiders segmentation and register new versions.

Incremental: a build appends a row when it trains; a reused model adds nothing."""

from revenue_ml.dbt import clear_errors, existing_rows, frame
from revenue_ml.domains import ecommerce


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    with clear_errors():
        registry = ecommerce.train(
            features=frame(dbt.ref("customer_features")),
            existing=existing_rows(dbt, session),
            settings=ecommerce.Settings.from_table(frame(dbt.source("ml", "build_settings"))),
        )
    return registry
