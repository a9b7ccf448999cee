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
        case when is_closed then is_won::integer end as won,

        -- offer features known when the offer is created
        coalesce(use_case = 'Corporate Events', false)::integer as is_corporate_event,
        use_case,
        price,
        (discount_code is not null)::integer as has_discount_code,
        (pain is not null)::integer as has_pain,
        pain as pain_category,

        -- known only once the offer closes
        datediff('day', created_date, close_date) as duration_days,

        -- lead features (null when the offer has no lead)
        has_lead::integer as has_lead,
        lead_source,
        case when has_lead then (city is not null)::integer end as has_city,
        case when has_lead then (acquisition_campaign is not null)::integer end
            as has_acquisition_campaign,
        datediff('day', lead_created_date, created_date) as days_lead_to_offer,

        -- dates
        created_date,
        close_date
    from offers

)

select * from final
