{#
    Who to contact under each business objective: one row per customer and objective of the
    `campaign_objective_definitions` seed (a new seed row is a new objective here, with no SQL
    or dashboard change), contacted when the response probability reaches the objective's
    threshold (registered with the scoring model version, see `campaign_objectives`).
#}

with scores as (

    select * from {{ ref('campaign_predictions') }}

),

objectives as (

    select * from {{ ref('campaign_objectives') }}

),

final as (

    select
        -- ids
        cast(scores.customer_id as integer) as customer_id,
        objectives.objective,

        -- decision
        cast(objectives.display_order as integer) as display_order,
        cast(scores.probability as double) as probability,
        cast(objectives.threshold as double) as threshold,
        scores.probability >= objectives.threshold as is_contacted,

        -- model
        cast(scores.model_name as string) as model_name,
        cast(scores.model_version as bigint) as model_version
    from scores
    cross join objectives

)

select * from final
