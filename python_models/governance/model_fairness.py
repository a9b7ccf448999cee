"""Disparity summaries per sensitive attribute, per classifier version and decision context
(revenue_ml.governance.fairness: Fairlearn's demographic parity and equalized odds).

Incremental like model_slice_metrics: computed once per version (the rows it reads are those of
the versions still to compute, int_governance__slice_versions)."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.governance.fairness import (
    check_full_recompute,
    computed_versions,
    disparities,
    not_yet_computed,
    only_attributes,
    sensitive_attributes,
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
            check_full_recompute(versions, "has_fairness", "model_fairness")
    attributes = frame(dbt.ref("slice_attributes"))
    rows = only_attributes(
        not_yet_computed(dbt.ref("int_governance__slice_rows"), done),
        sensitive_attributes(attributes),
    )
    with clear_errors():
        fairness = disparities(frame(rows), attributes, int(min_group_size))
    return fairness
