{#
    Offer models' metrics, one row per model version and evaluation (10-fold CV, time
    holdout), wide, for the dashboard and the docs.
#}

with evaluation as (

    select * from {{ ref('model_evaluation') }}
    where domain = 'sales'
        and fold = 'all'

),

registry as (

    select * from {{ ref('model_registry') }}
    where domain = 'sales'

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
        max(metric_value) filter (where metric = 'false_negatives') as false_negatives
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
        registry.variant,
        registry.model_family,
        pivoted.evaluation,
        registry.is_latest_version,

        -- metrics
        pivoted.rows_evaluated,
        pivoted.positive_rate,
        pivoted.auc,
        pivoted.log_loss,
        pivoted.brier,
        pivoted.threshold,
        pivoted.precision,
        pivoted.recall,
        pivoted.f1,
        pivoted.accuracy,
        pivoted.true_positives,
        pivoted.false_positives,
        pivoted.true_negatives,
        pivoted.false_negatives
    from pivoted
    inner join registry
        on pivoted.model_version_id = registry.model_version_id

)

select * from final
