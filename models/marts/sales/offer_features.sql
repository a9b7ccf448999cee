{#
    Model input for the close-won models: one row per offer, open and closed, with the
    write-up's features. `won` is the target (closed offers only); open offers are scored.
    Which features each variant may use is decided in revenue_ml.domains.sales_pipeline.
#}

with offers as (

    select * from {{ ref('int_sales__offers_with_leads') }}

),

final as (

    select
        -- ids
        offer_id,
        lead_id,

        -- target and status (never features)
        status,
        is_closed,
        case when is_closed then cast(is_won as integer) end as won,

        -- offer features known when the offer is created
        cast(coalesce(use_case = 'Corporate Events', false) as integer) as is_corporate_event,
        use_case,
        price,
        cast((discount_code is not null) as integer) as has_discount_code,
        cast((pain is not null) as integer) as has_pain,
        pain as pain_category,

        -- known only once the offer closes
        cast({{ dbt.datediff('created_date', 'close_date', 'day') }} as bigint) as duration_days,

        -- lead features (null when the offer has no lead)
        cast(has_lead as integer) as has_lead,
        lead_source,
        case when has_lead then cast((city is not null) as integer) end as has_city,
        case when has_lead then cast((acquisition_campaign is not null) as integer) end
            as has_acquisition_campaign,
        cast({{ dbt.datediff('lead_created_date', 'created_date', 'day') }} as bigint)
            as days_lead_to_offer,

        -- dates
        created_date,
        close_date
    from offers

)

select * from final
