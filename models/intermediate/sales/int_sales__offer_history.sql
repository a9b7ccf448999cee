{#
    Point-in-time history of every offer (open and closed): what had happened before the day
    the offer was created, never after. An outcome counts from the day it was known: the later
    of the offer's created and close dates (a close date before the created date is a
    data-entry error: the outcome cannot have been known before the record existed). Outcomes
    known on the creation day itself are left out, since the order within a day is unknown.
    Running totals over one timeline of creation and outcome events (creations sorted before
    the outcomes of their day) give each offer the outcomes known before its creation day, so
    nothing after the creation date reaches a row.
#}

with offers as (

    select * from {{ ref('int_sales__offers_with_leads') }}

),

outcomes as (

    select
        lead_id,
        city,
        use_case,
        greatest(created_date, coalesce(close_date, created_date)) as known_date,
        cast(is_won as integer) as won
    from offers
    where is_closed

),

-- One timeline of events per offer: its creation day, the day 90 days before it (the start of
-- the use-case window) and, for a closed offer, the day its outcome became known. Within a day
-- the creation and window-start events sort before the outcomes, so the running totals at an
-- offer's events count only the outcomes known before that day.
timeline as (

    select
        offer_id,
        'created' as event,
        lead_id,
        city,
        use_case,
        created_date as event_date,
        0 as event_order,
        0 as outcomes,
        cast(null as integer) as won
    from offers

    union all

    select
        offer_id,
        'window_start' as event,
        null as lead_id,
        null as city,
        use_case,
        cast({{ dbt.dateadd('day', -90, 'created_date') }} as date) as event_date,
        0 as event_order,
        0 as outcomes,
        cast(null as integer) as won
    from offers

    union all

    select
        null as offer_id,
        'outcome' as event,
        lead_id,
        city,
        use_case,
        known_date as event_date,
        1 as event_order,
        1 as outcomes,
        won
    from outcomes

),

-- running totals of known outcomes per lead, city and use case
running as (

    select
        offer_id,
        event,
        case when lead_id is not null then {{ sum_integers('outcomes', over=
            'partition by lead_id order by event_date, event_order') }} end as lead_outcomes,
        case when lead_id is not null then {{ sum_integers('won', over=
            'partition by lead_id order by event_date, event_order') }} end as lead_wins,
        case when city is not null then {{ sum_integers('outcomes', over=
            'partition by city order by event_date, event_order') }} end as city_outcomes,
        case when city is not null then {{ sum_integers('won', over=
            'partition by city order by event_date, event_order') }} end as city_wins,
        case when use_case is not null then {{ sum_integers('outcomes', over=
            'partition by use_case order by event_date, event_order') }} end as use_case_outcomes,
        case when use_case is not null then {{ sum_integers('won', over=
            'partition by use_case order by event_date, event_order') }} end as use_case_wins
    from timeline

),

-- offers made to the same lead on earlier days (creation is known at creation, open or not)
lead_offers as (

    select
        offer_id,
        case
            when lead_id is not null
                then cast(rank() over (partition by lead_id order by created_date) - 1 as bigint)
            else 0
        end as lead_prior_offers
    from offers

),

as_of as (

    select
        offers.offer_id,
        offers.created_date,
        lead_offers.lead_prior_offers,
        running.lead_outcomes,
        running.lead_wins,
        running.city_outcomes,
        running.city_wins,
        running.use_case_outcomes,
        running.use_case_wins
    from offers
    inner join lead_offers
        on offers.offer_id = lead_offers.offer_id
    inner join running
        on offers.offer_id = running.offer_id and running.event = 'created'

),

-- the same use-case totals 90 days earlier, for a trailing 90-day window
use_case_window as (

    select
        offer_id,
        use_case_outcomes as outcomes_before_window,
        use_case_wins as wins_before_window
    from running
    where event = 'window_start'

),

final as (

    select
        -- ids
        as_of.offer_id,

        -- same lead (the offer's Id), before the creation day
        coalesce(as_of.lead_prior_offers, 0) as lead_prior_offers,
        coalesce(as_of.lead_outcomes, 0) as lead_prior_outcomes,
        coalesce(as_of.lead_wins, 0) as lead_prior_wins,

        -- same city (the lead's), outcomes known before the creation day
        coalesce(as_of.city_outcomes, 0) as city_prior_outcomes,
        cast(as_of.city_wins as double) / nullif(as_of.city_outcomes, 0) as city_prior_win_rate,

        -- same use case, outcomes known in the 90 days before the creation day
        coalesce(as_of.use_case_outcomes, 0)
        - coalesce(use_case_window.outcomes_before_window, 0) as use_case_outcomes_90d,
        cast(
            coalesce(as_of.use_case_wins, 0) - coalesce(use_case_window.wins_before_window, 0)
            as double
        )
        / nullif(
            coalesce(as_of.use_case_outcomes, 0)
            - coalesce(use_case_window.outcomes_before_window, 0),
            0
        ) as use_case_win_rate_90d
    from as_of
    inner join use_case_window
        on as_of.offer_id = use_case_window.offer_id

)

select * from final
