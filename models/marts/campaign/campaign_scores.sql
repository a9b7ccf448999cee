{#
    Public mart: every customer's response probability and segments. Who to contact under each
    business objective is the long mart `campaign_contacts`.
#}

with predictions as (

    select * from {{ ref('campaign_predictions') }}

),

objectives as (

    select * from {{ ref('campaign_objectives') }}

),

lowest_threshold as (

    select min(threshold) as threshold from objectives

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

        -- score
        cast(predictions.probability as double) as probability,
        coalesce(predictions.probability >= lowest_threshold.threshold, false)
            as is_on_a_contact_list,
        cast(predictions.top_feature as varchar) as top_feature,
        cast(predictions.top_feature_contribution as double) as top_feature_contribution,
        cast(predictions.reasons as varchar) as reasons,
        cast(predictions.score_source as varchar) as score_source,

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
    cross join lowest_threshold
    left join segments
        on predictions.customer_id = segments.customer_id

)

select * from final
