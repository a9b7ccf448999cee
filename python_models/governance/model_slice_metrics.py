"""Metrics per group of each slice attribute, per model version (revenue_ml.governance.fairness).

Incremental: a version's slices are computed once, in the first build that sees it (its
out-of-sample rows never change; int_governance__slice_rows holds the rows of the versions
still to compute); --full-refresh recomputes every version."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.governance.fairness import (
    check_full_recompute,
    computed_versions,
    not_yet_computed,
    slice_metrics,
)


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    # a statement of its own: dbt finds the config keys a Python model reads by its calls
    min_group_size = dbt.config.get("fairness_min_group_size")
    done = []
    if dbt.is_incremental:
        done = computed_versions(frame(session.sql(f"select model_version_id from {dbt.this}")))
    else:
        with clear_errors():
            versions = frame(dbt.ref("int_governance__slice_versions"))
            check_full_recompute(versions, "has_slice_metrics", "model_slice_metrics")
    with clear_errors():
        slices = slice_metrics(
            frame(not_yet_computed(dbt.ref("int_governance__slice_rows"), done)),
            frame(not_yet_computed(dbt.ref("int_governance__forecast_site_slices"), done)),
            frame(dbt.ref("slice_attributes")),
            int(min_group_size),
        )
    return slices
