{# Public mart over the Python scoring step: typed columns under an enforced contract. #}

with predictions as (

    select * from {{ ref('churn_predictions') }}

),

final as (

    select
        -- ids
        cast(customer_key as varchar) as customer_key,

        -- outcome
        cast(churned as integer) as churned,
        cast(is_labeled as boolean) as is_labeled,

        -- score
        cast(probability as double) as probability,
        cast(predicted_label as integer) as predicted_label,
        cast(threshold as double) as threshold,
        cast(top_feature as varchar) as top_feature,
        cast(top_feature_contribution as double) as top_feature_contribution,
        cast(reasons as varchar) as reasons,
        cast(score_source as varchar) as score_source,

        -- model
        cast(model_name as varchar) as model_name,
        cast(model_version as bigint) as model_version,
        cast(is_training_row as boolean) as is_training_row,

        -- metadata
        cast(scored_at as timestamp) as scored_at
    from predictions

)

select * from final
