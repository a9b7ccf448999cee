{#
    Model input of the churn models: one row per customer, labelled (training) and unlabelled
    (the batch to score). Each charge column is an exact multiple of its minutes, so only the
    minutes are kept; the billed total is added because the per-minute rates differ by period.
    State and area code are left out (see churn_features.yml). The Python twin of this model,
    revenue_ml.raw_features.churn, serves the raw-record scorer (revenue_ml.score); keep both in step.
#}

with customers as (

    select * from {{ ref('stg_telco_churn__customers') }}

),

final as (

    select
        -- ids
        customer_key,

        -- target (null for the batch to score; never a feature)
        case when churned is not null then cast(churned as integer) end as churned,
        is_labeled,

        -- plans
        cast(has_international_plan as integer) as has_international_plan,
        cast(has_voice_mail_plan as integer) as has_voice_mail_plan,

        -- account and usage
        account_length_days,
        vmail_messages,
        cast(day_minutes as double) as day_minutes,
        day_calls,
        cast(eve_minutes as double) as eve_minutes,
        eve_calls,
        cast(night_minutes as double) as night_minutes,
        night_calls,
        cast(intl_minutes as double) as intl_minutes,
        intl_calls,
        customer_service_calls,

        -- totals
        cast((day_minutes + eve_minutes + night_minutes + intl_minutes) as double) as total_minutes,
        day_calls + eve_calls + night_calls + intl_calls as total_calls,
        cast((day_charge + eve_charge + night_charge + intl_charge) as double) as total_charge
    from customers

)

select * from final
