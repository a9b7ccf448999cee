{# Public mart over the Python scoring step: typed columns under an enforced contract. #}

with predictions as (

    select * from {{ ref('offer_predictions') }}

),

final as (

    select
        -- ids
        cast(offer_id as string) as offer_id,

        -- offer
        cast(status as string) as status,
        cast(is_closed as boolean) as is_closed,
        cast(won as double) as won,
        cast(use_case as string) as use_case,
        cast(lead_source as string) as lead_source,

        -- score
        cast(probability as double) as probability,
        cast(predicted_label as bigint) as predicted_label,
        cast(threshold as double) as threshold,
        cast(top_feature as string) as top_feature,
        cast(top_feature_contribution as double) as top_feature_contribution,
        cast(reasons as string) as reasons,
        cast(score_source as string) as score_source,
        cast(probability_at_creation as double) as probability_at_creation,

        -- model
        cast(model_name as string) as model_name,
        cast(model_version as bigint) as model_version,
        cast(variant as string) as variant,
        cast(is_training_row as boolean) as is_training_row,
        cast(serving_reason as string) as serving_reason,

        -- metadata
        cast(scored_at as timestamp) as scored_at
    from predictions

)

select * from final
