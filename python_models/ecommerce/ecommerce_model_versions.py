"""Train (or reuse) the Insiders segmentation and register new versions (reference 004).

Incremental: a build appends a row when it trains; a reused model adds nothing.
"""

from revenue_ml.dbt import clear_errors, existing_rows, frame, runtime
from revenue_ml.domains import ecommerce


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    params = ecommerce.params_from_config(
        k_min=dbt.config.get("k_min"),
        k_max=dbt.config.get("k_max"),
        min_k=dbt.config.get("min_k"),
        seed=dbt.config.get("seed"),
        sample_size=dbt.config.get("silhouette_sample_size"),
        trees=dbt.config.get("forest_trees"),
        max_leaf_nodes=dbt.config.get("forest_max_leaf_nodes"),
    )
    with clear_errors():
        result = ecommerce.train(
            features=frame(dbt.ref("customer_features")),
            existing=existing_rows(dbt, session),
            policy=dbt.config.get("retrain_policy"),
            params=params,
            runtime=runtime(dbt.config.get("ml_threads"), dbt.config.get("dbt_threads")),
        )
    return result
