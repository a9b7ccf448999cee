{{ config(materialized='incremental', on_schema_change='append_new_columns') }}
{#
    Every acted-on prediction, once per build that made it (docs/operations.md "Track
    record"): the open offers' chance to close won within the horizon, the unlabelled churn
    customers' risk, the unlabelled campaign customers' response chance per objective, and the
    next period's class sizes. A prediction is logged once per model version and data as-of
    date (ml.data_as_of): a rebuild on the same data adds nothing, a build on newer data (or a
    new version) appends. ml.prediction_outcomes joins what happened since.
#}

with as_of as (

    select * from {{ ref('data_as_of') }}

),

offers as (

    select
        'sales' as domain,
        'open_offers' as scoring_mart,
        'all' as decision_context,
        open_offers.offer_id as entity_id,
        open_offers.model_name,
        open_offers.model_version,
        open_offers.win_probability as prediction,
        cast(null as double) as prediction_low,
        cast(null as double) as prediction_high,
        open_offers.threshold,
        open_offers.is_likely_to_win as is_flagged,
        case
            when open_offers.is_likely_dead then 'likely dead: close or requalify'
            when open_offers.is_likely_to_win then 'worklist: likely to win'
            else 'worklist'
        end as decision,
        {{ var('sales_win_horizon_days') }} as horizon_days,
        offer_scores.scored_at
    from {{ ref('open_offers') }} as open_offers
    left join {{ ref('offer_scores') }} as offer_scores
        on open_offers.offer_id = offer_scores.offer_id

),

churn as (

    select
        'churn' as domain,
        'churn_scores' as scoring_mart,
        'all' as decision_context,
        customer_key as entity_id,
        model_name,
        model_version,
        probability as prediction,
        cast(null as double) as prediction_low,
        cast(null as double) as prediction_high,
        threshold,
        predicted_label = 1 as is_flagged,
        case when predicted_label = 1 then 'at risk' else 'not at risk' end as decision,
        cast(null as integer) as horizon_days,
        scored_at
    from {{ ref('churn_scores') }}
    where not is_labeled

),

campaign as (

    select
        'campaign' as domain,
        'campaign_contacts' as scoring_mart,
        contacts.objective as decision_context,
        cast(contacts.customer_id as string) as entity_id,
        contacts.model_name,
        contacts.model_version,
        contacts.probability as prediction,
        cast(null as double) as prediction_low,
        cast(null as double) as prediction_high,
        contacts.threshold,
        contacts.is_contacted as is_flagged,
        case when contacts.is_contacted then 'contact' else 'do not contact' end as decision,
        cast(null as integer) as horizon_days,
        scores.scored_at
    from {{ ref('campaign_contacts') }} as contacts
    inner join {{ ref('campaign_scores') }} as scores
        on contacts.customer_id = scores.customer_id
    where not scores.is_labeled

),

enrollment as (

    select
        'enrollment' as domain,
        'enrollment_forecast' as scoring_mart,
        'all' as decision_context,
        concat_ws('|', cast(periodo as string), sede, curso_actual, horario_actual) as entity_id,
        model_name,
        model_version,
        cast(predict_alumnos as double) as prediction,
        cast(predicted_students_low as double) as prediction_low,
        cast(predicted_students_high as double) as prediction_high,
        cast(minimum_students as double) as threshold,
        is_at_risk as is_flagged,
        case when is_at_risk then 'below its minimum' else 'at or above its minimum' end
            as decision,
        cast(null as integer) as horizon_days,
        scored_at
    from {{ ref('enrollment_forecast') }}

),

predictions as (

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
        -- ids
        cast(predictions.model_name as string) as model_name,
        cast(predictions.model_version as bigint) as model_version,
        cast(predictions.domain as string) as domain,
        cast(predictions.scoring_mart as string) as scoring_mart,
        cast(predictions.decision_context as string) as decision_context,
        cast(predictions.entity_id as string) as entity_id,

        -- the prediction and the decision taken on it
        cast(predictions.prediction as double) as prediction,
        predictions.prediction_low,
        predictions.prediction_high,
        cast(predictions.threshold as double) as threshold,
        cast(predictions.is_flagged as boolean) as is_flagged,
        cast(predictions.decision as string) as decision,
        cast(predictions.horizon_days as integer) as horizon_days,

        -- when
        as_of.data_as_of,
        cast(predictions.scored_at as timestamp) as scored_at,
        '{{ invocation_id }}' as dbt_invocation_id,
        cast('{{ run_started_at }}' as timestamp) as logged_at
    from predictions
    inner join as_of
        on predictions.domain = as_of.domain

)

select * from final as new_rows
{%- if is_incremental() %}
where not exists (
        select 1
        from {{ this }} as logged
        where
            logged.scoring_mart = new_rows.scoring_mart
            and logged.decision_context = new_rows.decision_context
            and logged.entity_id = new_rows.entity_id
            and logged.model_name = new_rows.model_name
            and logged.model_version = new_rows.model_version
            and logged.data_as_of = new_rows.data_as_of
    )
{%- endif %}
