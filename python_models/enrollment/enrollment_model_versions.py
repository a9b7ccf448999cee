"""The enrollment registry: the class-size forecaster (rolling-origin backtest, ensemble) and
the best naive baseline, registered as champion or challenger when trained (MLflow when a
tracking URI is set); incremental, a row only when it trains."""

from revenue_ml.dbt import model_versions
from revenue_ml.domains import enrollment


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    features = dbt.ref("enrollment_class_features")
    return model_versions(dbt, session, enrollment, dbt.source("ml", "build_settings"), features)
