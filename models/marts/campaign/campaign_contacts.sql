{#
    Who to contact under each business objective: one row per customer and objective of the
    `campaign_objective_definitions` seed (a new seed row is a new objective here, with no SQL
    or dashboard change), contacted when the response probability reaches the objective's
    threshold (registered with the scoring model version, see `campaign_objectives`). Each row
    carries the figures a marketing manager checks before contacting (income, spend, recency,
    household, segment), the reasons in business words and the contact's expected profit.
#}

with scores as (

    select * from {{ ref('campaign_scores') }}

),

objectives as (

    select * from {{ ref('campaign_objectives') }}

),

customers as (

    select * from {{ ref('stg_marketing_campaign__customers') }}

),

features as (

    select * from {{ ref('campaign_features') }}

),

segment_names as (

    select
        segment,
        segment_name
    from {{ ref('campaign_segment_profiles') }}
    where k = 3

),

decisions as (

    select
        scores.customer_id,
        objectives.objective,
        objectives.display_order,
        scores.probability,
        objectives.threshold,
        scores.probability >= objectives.threshold as is_contacted,
        customers.income,
        features.spend_total,
        customers.recency_days,
        features.purchases_total,
        features.children_at_home,
        segment_names.segment_name,
        scores.reasons,
        customers.cost_per_contact,
        customers.revenue_per_responder,
        scores.model_name,
        scores.model_version,
        scores.probability * customers.revenue_per_responder - customers.cost_per_contact
            as expected_profit
    from scores
    cross join objectives
    inner join customers
        on scores.customer_id = customers.customer_id
    inner join features
        on scores.customer_id = features.customer_id
    left join segment_names
        on scores.segment_k3 = segment_names.segment

),

final as (

    select
        -- ids
        cast(customer_id as integer) as customer_id,
        objective,

        -- decision
        cast(display_order as integer) as display_order,
        cast(row_number() over (
            partition by objective order by probability desc, customer_id asc
        ) as integer) as contact_rank,
        cast(probability as double) as probability,
        cast(threshold as double) as threshold,
        is_contacted,
        cast(expected_profit as double) as expected_profit,
        reasons,

        -- customer
        cast(income as double) as income,
        cast(spend_total as double) as spend_total,
        cast(recency_days as integer) as recency_days,
        cast(purchases_total as integer) as purchases_total,
        cast(children_at_home as integer) as children_at_home,
        segment_name,

        -- economics
        cast(cost_per_contact as double) as cost_per_contact,
        cast(revenue_per_responder as double) as revenue_per_responder,

        -- model
        cast(model_name as varchar) as model_name,
        cast(model_version as bigint) as model_version
    from decisions

)

select * from final
