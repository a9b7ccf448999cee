{#
    Model input of the close-won models: one row per offer, open and closed. `won` is the
    target (closed offers only); open offers are scored. Which features each variant may use
    is decided in revenue_ml.domains.sales; the docs of this model say, for each column, which
    variant uses it and why the at_open variant leaves some out (leakage checks against the
    creation date).
#}

with offers as (

    select * from {{ ref('int_sales__offers_with_leads') }}

),

history as (

    select * from {{ ref('int_sales__offer_history') }}

),

as_of as (

    -- the data's as-of date: the latest creation, or close of a closed offer (an open offer's
    -- close date, when the file fills one, is an expected close, not an event)
    select
        max(
            case
                when is_closed then greatest(created_date, coalesce(close_date, created_date))
                else created_date
            end
        ) as as_of_date
    from offers

),

final as (

    select
        -- ids
        offers.offer_id,
        offers.lead_id,

        -- target and status (never features)
        offers.status,
        offers.is_closed,
        case when offers.is_closed then cast(offers.is_won as integer) end as won,

        -- offer features known when the offer is created
        cast(coalesce(offers.use_case = 'Corporate Events', false) as integer)
            as is_corporate_event,
        offers.use_case,
        offers.price,
        case
            when offers.price is null then 'missing'
            when offers.price = 0 then '0'
            when offers.price < 200 then '1-199'
            when offers.price < 400 then '200-399'
            when offers.price < 800 then '400-799'
            when offers.price < 2000 then '800-1999'
            else '2000+'
        end as price_band,
        offers.discount_code,
        cast((offers.discount_code is not null) as integer) as has_discount_code,
        -- the number in the code (SAVEMORE50 -> 50), null without a code or a number
        {{ try_cast_text(
            "nullif(regexp_extract(offers.discount_code, '[0-9]+', 0), '')", 'double'
        ) }} as discount_number,
        cast((offers.pain is not null) as integer) as has_pain,
        offers.pain as pain_category,
        -- the same two categories with "not recorded" as a value of its own (an empty pain
        -- field is itself informative; a model's missing-value bin would merge it with rare
        -- categories)
        coalesce(offers.use_case, 'not recorded') as use_case_or_not_recorded,
        coalesce(offers.pain, 'not recorded') as pain_or_not_recorded,
        cast((offers.lead_id is not null) as integer) as has_lead_id,

        -- calendar of the creation date
        cast({{ day_of_week('offers.created_date') }} as integer) as created_day_of_week,
        cast(day(offers.created_date) as integer) as created_day_of_month,
        cast(month(offers.created_date) as integer) as created_month,

        -- history up to the day before creation (int_sales__offer_history)
        history.lead_prior_offers,
        history.lead_prior_outcomes,
        history.lead_prior_wins,
        history.city_prior_outcomes,
        history.city_prior_win_rate,
        history.use_case_outcomes_90d,
        history.use_case_win_rate_90d,

        -- known only once the offer closes
        cast({{ dbt.datediff('offers.created_date', 'offers.close_date', 'day') }} as bigint)
            as duration_days,

        -- the age an open offer has reached at the as-of date (by_age's input)
        case
            when not offers.is_closed
                then cast(
                        {{ dbt.datediff('offers.created_date', 'as_of.as_of_date', 'day') }}
                        as bigint
                    )
        end as open_age_days,

        -- lead features (null when the offer has no lead in the leads extract)
        cast(offers.has_lead as integer) as has_lead,
        offers.lead_source,
        case when offers.has_lead then cast((offers.city is not null) as integer) end as has_city,
        case
            when offers.has_lead then cast((offers.acquisition_campaign is not null) as integer)
        end as has_acquisition_campaign,
        cast({{ dbt.datediff('offers.lead_created_date', 'offers.created_date', 'day') }} as bigint)
            as days_lead_to_offer,

        -- dates
        offers.created_date,
        offers.close_date,
        -- when the outcome became known: the later of the two dates (closed offers only)
        case
            when offers.is_closed
                then greatest(offers.created_date, coalesce(offers.close_date, offers.created_date))
        end as outcome_known_date,
        as_of.as_of_date
    from offers
    inner join history
        on offers.offer_id = history.offer_id
    cross join as_of

)

select * from final
