with customers as (

    select * from {{ ref('base_telco_churn__customers') }}
    where reject_reason is null

),

final as (

    select
        -- ids
        customer_key,

        -- strings
        state,
        area_code,

        -- booleans
        has_international_plan,
        has_voice_mail_plan,
        churned,
        churned is not null as is_labeled,

        -- numerics
        account_length_days,
        vmail_messages,
        day_minutes,
        day_calls,
        day_charge,
        eve_minutes,
        eve_calls,
        eve_charge,
        night_minutes,
        night_calls,
        night_charge,
        intl_minutes,
        intl_calls,
        intl_charge,
        customer_service_calls,

        -- metadata
        source_row_number
    from customers

)

select * from final
