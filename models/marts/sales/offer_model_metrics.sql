{#
    Offer models' metrics, one row per model version and evaluation (10-fold CV, time
    holdout, rolling origin), wide, for the dashboard and the docs: the sales rows of
    model_metrics (which pivots the evaluation once for every model), in this mart's layout.
#}

with metrics as (

    select * from {{ ref('model_metrics') }}
    where domain = 'sales'

),

final as (

    select
        -- ids
        model_version_id,
        model_name,
        model_version,

        -- descriptors
        variant,
        model_family,
        evaluation,
        is_latest_version,

        -- metrics (counts as doubles, as the evaluation stores them)
        cast(rows_evaluated as double) as rows_evaluated,
        positive_rate,
        auc,
        log_loss,
        brier,
        threshold,
        precision,
        recall,
        f1,
        accuracy,
        cast(true_positives as double) as true_positives,
        cast(false_positives as double) as false_positives,
        cast(true_negatives as double) as true_negatives,
        cast(false_negatives as double) as false_negatives
    from metrics

)

select * from final
