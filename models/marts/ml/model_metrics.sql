{#
    Every model version's headline metrics, wide: one row per version and evaluation, one
    column per metric (null where a metric does not apply: no AUC for a forecast, no WAPE for
    a classifier). The dashboard's model pages and any SQL read the same figures from here.
    Headline = the metric over all rows of the evaluation (fold 'all'; 'overall' for the
    forecast backtests); per-fold rows stay in model_evaluation.
#}

with evaluation as (

    select * from {{ ref('model_evaluation') }}
    where fold in ('all', 'overall')

),

registry as (

    select * from {{ ref('model_registry') }}

),

pivoted as (

    select
        model_version_id,
        evaluation,
        max(metric_value) filter (where metric = 'rows') as rows_evaluated,
        max(metric_value) filter (where metric = 'positive_rate') as positive_rate,
        max(metric_value) filter (where metric = 'auc') as auc,
        max(metric_value) filter (where metric = 'log_loss') as log_loss,
        max(metric_value) filter (where metric = 'brier') as brier,
        max(metric_value) filter (where metric = 'threshold') as threshold,
        max(metric_value) filter (where metric = 'precision') as precision,
        max(metric_value) filter (where metric = 'recall') as recall,
        max(metric_value) filter (where metric = 'f1') as f1,
        max(metric_value) filter (where metric = 'accuracy') as accuracy,
        max(metric_value) filter (where metric = 'true_positives') as true_positives,
        max(metric_value) filter (where metric = 'false_positives') as false_positives,
        max(metric_value) filter (where metric = 'true_negatives') as true_negatives,
        max(metric_value) filter (where metric = 'false_negatives') as false_negatives,
        max(metric_value) filter (where metric = 'mae') as mae,
        max(metric_value) filter (where metric = 'wape') as wape,
        max(metric_value) filter (where metric = 'bias') as bias,
        max(metric_value) filter (where metric = 'silhouette') as silhouette,
        max(metric_value) filter (where metric = 'auc_sd') as auc_sd,
        max(metric_value) filter (where metric = 'windows') as windows,
        max(metric_value) filter (where metric = 'ece') as expected_calibration_error,
        max(metric_value) filter (where metric = 'interval_coverage') as interval_coverage
    from evaluation
    group by model_version_id, evaluation

),

final as (

    select
        -- ids
        pivoted.model_version_id,
        registry.model_name,
        registry.model_version,

        -- descriptors
        registry.domain,
        registry.variant,
        registry.model_family,
        pivoted.evaluation,
        registry.is_latest_version,
        registry.is_champion,

        -- classification
        cast(pivoted.rows_evaluated as bigint) as rows_evaluated,
        pivoted.positive_rate,
        pivoted.auc,
        pivoted.log_loss,
        pivoted.brier,
        pivoted.threshold,
        pivoted.precision,
        pivoted.recall,
        pivoted.f1,
        pivoted.accuracy,
        cast(pivoted.true_positives as bigint) as true_positives,
        cast(pivoted.false_positives as bigint) as false_positives,
        cast(pivoted.true_negatives as bigint) as true_negatives,
        cast(pivoted.false_negatives as bigint) as false_negatives,

        -- forecasting
        pivoted.mae,
        pivoted.wape,
        pivoted.bias,

        -- segmentation
        pivoted.silhouette,

        -- uncertainty: the AUC's spread over repeated splits, the calibration error of the
        -- out-of-time scores, the measured coverage of a forecast interval
        pivoted.auc_sd,
        cast(pivoted.windows as bigint) as windows,
        pivoted.expected_calibration_error,
        pivoted.interval_coverage
    from pivoted
    inner join registry
        on pivoted.model_version_id = registry.model_version_id

)

select * from final
