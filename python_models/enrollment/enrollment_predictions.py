"""Forecast the students of every class in the forecast period with the registered version
(or the best naive baseline when it beat the model in the backtest)."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.domains import enrollment


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        result = enrollment.forecast(
            features=frame(dbt.ref("enrollment_class_features")),
            registry=frame(dbt.ref("enrollment_model_versions")),
            versions={
                # literal config.get calls: dbt exposes only the config keys it finds in the code
                "raw_version": dbt.config.get("raw_version"),
                "platinum_version": dbt.config.get("platinum_version"),
                "features_version": dbt.config.get("features_version"),
                "target_version": dbt.config.get("target_version"),
                "experiment_name": dbt.config.get("experiment_name"),
            },
        )
    return result
