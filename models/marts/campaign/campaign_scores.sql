{#
    Public mart: every customer's response probability, the contact decision of each business
    objective (probability >= the objective's threshold) and the customer's segments.
#}

with predictions as (

    select * from {{ ref('campaign_predictions') }}

),

objectives as (

    select * from {{ ref('campaign_objectives') }}

),

thresholds as (

    select
        max(case when objective = 'aggressive' then threshold end) as aggressive,
        max(case when objective = 'moderate' then threshold end) as moderate,
        max(case when objective = 'balanced' then threshold end) as balanced,
        max(case when objective = 'cost_aware' then threshold end) as cost_aware
    from objectives

),

segments as (

    select
        customer_id,
        max(case when k = 2 then segment end) as segment_k2,
        max(case when k = 3 then segment end) as segment_k3
    from {{ ref('campaign_segments') }}
    group by customer_id

),

final as (

    select
        -- ids
        cast(predictions.customer_id as integer) as customer_id,

        -- outcome
        cast(predictions.responded as integer) as responded,
        cast(predictions.is_labeled as boolean) as is_labeled,

        -- score and decisions
        cast(predictions.probability as double) as probability,
        cast(predictions.probability >= thresholds.aggressive as integer) as contact_aggressive,
        cast(predictions.probability >= thresholds.moderate as integer) as contact_moderate,
        cast(predictions.probability >= thresholds.balanced as integer) as contact_balanced,
        cast(predictions.probability >= thresholds.cost_aware as integer) as contact_cost_aware,
        cast(predictions.top_feature as varchar) as top_feature,
        cast(predictions.top_feature_contribution as double) as top_feature_contribution,

        -- segments
        cast(segments.segment_k2 as integer) as segment_k2,
        cast(segments.segment_k3 as integer) as segment_k3,

        -- model
        cast(predictions.model_name as varchar) as model_name,
        cast(predictions.model_version as bigint) as model_version,
        cast(predictions.is_labeled as boolean) as is_training_row,

        -- metadata
        cast(predictions.scored_at as timestamp) as scored_at
    from predictions
    cross join thresholds
    left join segments
        on predictions.customer_id = segments.customer_id

)

select * from final
