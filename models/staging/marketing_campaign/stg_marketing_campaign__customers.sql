with customers as (

    select * from {{ ref('base_marketing_campaign__customers') }}
    where reject_reason is null

),

marital_map as (

    select * from {{ ref('marital_status_map') }}

),

final as (

    select
        -- ids
        customers.customer_id,

        -- strings
        customers.education,
        coalesce(marital_map.marital_status, 'Unknown') as marital_status,
        customers.marital_status_raw,

        -- booleans
        customers.response = 1 as responded,
        customers.response is not null as is_labeled,
        customers.income is null as is_income_missing,
        customers.birth_year_raw not between {{ var('min_plausible_birth_year', 1920) }}
        and {{ var('max_plausible_birth_year', 2010) }} as is_birth_year_implausible,
        customers.complained = 1 as has_complained,

        -- numerics
        case
            when customers.birth_year_raw between {{ var('min_plausible_birth_year', 1920) }}
                and {{ var('max_plausible_birth_year', 2010) }}
                then customers.birth_year_raw
        end as birth_year,
        customers.birth_year_raw,
        customers.income,
        customers.kids_at_home,
        customers.teens_at_home,
        customers.recency_days,
        customers.spend_wines,
        customers.spend_fruits,
        customers.spend_meat,
        customers.spend_fish,
        customers.spend_sweets,
        customers.spend_gold,
        customers.purchases_deals,
        customers.purchases_web,
        customers.purchases_catalog,
        customers.purchases_store,
        customers.web_visits_last_month,
        customers.accepted_campaign_1,
        customers.accepted_campaign_2,
        customers.accepted_campaign_3,
        customers.accepted_campaign_4,
        customers.accepted_campaign_5,
        customers.cost_per_contact,
        customers.revenue_per_responder,

        -- dates
        customers.enrolled_date,

        -- metadata
        customers.source_row_number
    from customers
    left join marital_map
        on customers.marital_status_raw = marital_map.marital_status_raw

)

select * from final
