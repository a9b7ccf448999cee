{#
    The retention manager's list: active customers (not churned), most revenue at risk first.
    Revenue at risk = churn probability x the customer's bill (total charge), so a likely
    churner with a large bill comes before a likely churner with a small one. Probabilities of
    customers the model was trained on are out-of-sample (see churn_scores.score_source).
#}

with scores as (

    select * from {{ ref('churn_scores') }}

),

customers as (

    select * from {{ ref('stg_telco_churn__customers') }}

),

features as (

    select * from {{ ref('churn_features') }}

),

active as (

    select
        scores.customer_key,
        customers.state,
        customers.area_code,
        customers.has_international_plan,
        customers.has_voice_mail_plan,
        customers.account_length_days,
        customers.customer_service_calls,
        features.total_minutes,
        features.total_charge,
        scores.probability,
        scores.predicted_label = 1 as is_at_risk,
        scores.probability * features.total_charge as revenue_at_risk,
        scores.reasons,
        scores.score_source,
        scores.threshold,
        scores.model_name,
        scores.model_version
    from scores
    inner join customers
        on scores.customer_key = customers.customer_key
    inner join features
        on scores.customer_key = features.customer_key
    where coalesce(scores.churned, 0) = 0

),

final as (

    select
        -- ids
        customer_key,

        -- rank
        cast(row_number() over (
            order by revenue_at_risk desc, probability desc, customer_key asc
        ) as integer) as risk_rank,

        -- customer
        state,
        area_code,
        case
            when has_international_plan and has_voice_mail_plan
                then 'International + voice mail'
            when has_international_plan then 'International'
            when has_voice_mail_plan then 'Voice mail'
            else 'Basic'
        end as plan,
        account_length_days,
        customer_service_calls,
        total_minutes,
        total_charge,

        -- decision
        probability as churn_probability,
        is_at_risk,
        revenue_at_risk,
        reasons,
        score_source,

        -- model
        threshold,
        model_name,
        model_version
    from active

)

select * from final
