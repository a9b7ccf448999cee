{#
    Every logged prediction (ml.prediction_log) with what happened, as far as this build's data
    knows it. Rebuilt every build, so an outcome appears as soon as the data holds it:

    offers      the prediction is "closes won within horizon_days of data_as_of": 1 when the
                offer closed won by then (known at its close), 0 when it closed lost by then
                (known at its close) or was not won by then (known at the deadline); unknown
                while the deadline is ahead of the data and the offer is open;
    churn       the customer's Churn label once the file holds it (known by this build's data
                date: the file carries no date of its own);
    campaign    the customer's Response once the file holds it (known by the same rule);
    enrollment  the class's active students once its period is in the data (0 when the class
                did not open), known at the period's first day.
#}

with log as (

    select * from {{ ref('prediction_log') }}

),

as_of as (

    select * from {{ ref('data_as_of') }}

),

offers as (

    select
        log.*,
        case
            when features.is_closed and features.won = 1
                and features.outcome_known_date
                <= {{ dbt.dateadd('day', 'log.horizon_days', 'log.data_as_of') }}
                then 1.0
            when features.is_closed
                and features.outcome_known_date
                <= {{ dbt.dateadd('day', 'log.horizon_days', 'log.data_as_of') }}
                then 0.0
            when features.offer_id is not null
                and current_as_of.data_as_of
                >= {{ dbt.dateadd('day', 'log.horizon_days', 'log.data_as_of') }}
                then 0.0
        end as outcome,
        case
            when features.is_closed
                and features.outcome_known_date
                <= {{ dbt.dateadd('day', 'log.horizon_days', 'log.data_as_of') }}
                then cast(features.outcome_known_date as date)
            when features.offer_id is not null
                and current_as_of.data_as_of
                >= {{ dbt.dateadd('day', 'log.horizon_days', 'log.data_as_of') }}
                then cast({{ dbt.dateadd('day', 'log.horizon_days', 'log.data_as_of') }} as date)
        end as outcome_known_at
    from log
    left join {{ ref('offer_features') }} as features
        on log.entity_id = features.offer_id
    left join as_of as current_as_of
        on current_as_of.domain = 'sales'
    where log.scoring_mart = 'open_offers'

),

churn as (

    select
        log.*,
        case when scores.is_labeled then cast(scores.churned as double) end as outcome,
        case when scores.is_labeled then current_as_of.data_as_of end as outcome_known_at
    from log
    left join {{ ref('churn_scores') }} as scores
        on log.entity_id = scores.customer_key
    left join as_of as current_as_of
        on current_as_of.domain = 'churn'
    where log.scoring_mart = 'churn_scores'

),

campaign as (

    select
        log.*,
        case when scores.is_labeled then cast(scores.responded as double) end as outcome,
        case when scores.is_labeled then current_as_of.data_as_of end as outcome_known_at
    from log
    left join {{ ref('campaign_scores') }} as scores
        on log.entity_id = cast(scores.customer_id as string)
    left join as_of as current_as_of
        on current_as_of.domain = 'campaign'
    where log.scoring_mart = 'campaign_contacts'

),

class_periods as (

    select
        concat_ws('|', cast(periodo as string), sede, curso_actual, horario_actual) as entity_id,
        active_students
    from {{ ref('int_enrollment__class_periods') }}

),

latest_period as (

    select max(periodo) as periodo from {{ ref('int_enrollment__class_periods') }}

),

enrollment as (

    select
        log.*,
        case
            when cast(split_part(log.entity_id, '|', 1) as integer) <= latest_period.periodo
                then cast(coalesce(class_periods.active_students, 0) as double)
        end as outcome,
        case
            when cast(split_part(log.entity_id, '|', 1) as integer) <= latest_period.periodo
                then make_date(
                        {%- set periodo = "cast(split_part(log.entity_id, '|', 1) as integer)" %}
                        cast({{ int_div(periodo, 100) }} as integer),
                        cast(cast(split_part(log.entity_id, '|', 1) as integer) % 100 as integer),
                        1
                    )
        end as outcome_known_at
    from log
    left join class_periods
        on log.entity_id = class_periods.entity_id
    cross join latest_period
    where log.scoring_mart = 'enrollment_forecast'

),

joined as (

    select * from offers
    union all
    select * from churn
    union all
    select * from campaign
    union all
    select * from enrollment

),

final as (

    select
        joined.*,
        outcome is not null as is_outcome_known,
        -- the decision came true: a flagged offer won, a flagged customer churned or
        -- responded, a class flagged below its minimum opened below it (and the same for
        -- the ones not flagged)
        case
            when outcome is null then null
            when scoring_mart = 'enrollment_forecast' then is_flagged = (outcome < threshold)
            else is_flagged = (outcome = 1)
        end as decision_came_true,
        case
            when scoring_mart = 'enrollment_forecast' and outcome is not null
                then outcome between prediction_low and prediction_high
        end as is_within_interval
    from joined

)

select * from final
