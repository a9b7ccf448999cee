{#
    The four business objectives of the campaign model with the threshold each one uses and
    its expected economics, as stored with the model version that scores (evaluation rows
    'objective', computed on out-of-fold probabilities of the labelled base): the
    `campaign_response` champion, or its baseline when the blend does not beat it (the version
    campaign_predictions names; both carry the objectives).
#}

with scoring_version as (

    select distinct
        model_name,
        model_version
    from {{ ref('campaign_predictions') }}

),

latest_model as (

    select versions.*
    from {{ ref('campaign_model_versions') }} as versions
    inner join scoring_version
        on versions.model_name = scoring_version.model_name
            and versions.model_version = scoring_version.model_version

),

evaluation_rows as (

    select
        model_name,
        model_version,
        training_rows,
        {{ unnest_evaluation('evaluation') }} as row
    from latest_model

),

objective_metrics as (

    select
        model_name,
        model_version,
        training_rows,
        row.fold as objective,
        max(case when row.metric = 'threshold' then row.value end) as threshold,
        max(case when row.metric = 'customers' then row.value end) as evaluated_customers,
        max(case when row.metric = 'contacts' then row.value end) as expected_contacts,
        max(case when row.metric = 'responders' then row.value end) as expected_responders,
        max(case when row.metric = 'recall' then row.value end) as expected_recall,
        max(case when row.metric = 'precision' then row.value end) as expected_precision,
        max(case when row.metric = 'cost_per_contact' then row.value end) as cost_per_contact,
        max(case when row.metric = 'revenue_per_responder' then row.value end)
            as revenue_per_responder,
        max(case when row.metric = 'cost' then row.value end) as expected_cost,
        max(case when row.metric = 'revenue' then row.value end) as expected_revenue,
        max(case when row.metric = 'profit' then row.value end) as expected_profit,
        max(case when row.metric = 'profit_low' then row.value end) as expected_profit_low,
        max(case when row.metric = 'profit_high' then row.value end) as expected_profit_high,
        max(case when row.metric = 'responders_low' then row.value end)
            as expected_responders_low,
        max(case when row.metric = 'responders_high' then row.value end)
            as expected_responders_high
    from evaluation_rows
    where row.evaluation = 'objective'
    group by all

),

objectives as (

    select * from {{ ref('campaign_objective_definitions') }}

),

final as (

    select
        -- ids
        objectives.objective,

        -- definition
        objectives.display_order,
        objectives.rule,
        objectives.target_value,
        objectives.description,

        -- decision
        objective_metrics.threshold,
        lag(objective_metrics.threshold) over (
            partition by objectives.rule order by objectives.display_order
        ) as previous_threshold_same_rule,

        -- expected economics on the labelled base
        -- the out-of-fold rows the economics were measured on (versions before the
        -- 'customers' metric: every labelled row)
        cast(
            coalesce(objective_metrics.evaluated_customers, objective_metrics.training_rows)
            as bigint
        ) as labelled_customers,
        cast(objective_metrics.expected_contacts as bigint) as expected_contacts,
        cast(objective_metrics.expected_responders as bigint) as expected_responders,
        objective_metrics.expected_recall,
        objective_metrics.expected_precision,
        objective_metrics.cost_per_contact,
        objective_metrics.revenue_per_responder,
        objective_metrics.expected_cost,
        objective_metrics.expected_revenue,
        objective_metrics.expected_profit,
        -- 90% bootstrap band over the customers at this threshold (the band of model_curves'
        -- expected_profit curve at the objective's threshold)
        objective_metrics.expected_profit_low,
        objective_metrics.expected_profit_high,
        objective_metrics.expected_responders_low,
        objective_metrics.expected_responders_high,

        -- model
        objective_metrics.model_name,
        cast(objective_metrics.model_version as bigint) as model_version
    from objectives
    left join objective_metrics
        on objectives.objective = objective_metrics.objective

)

select * from final
