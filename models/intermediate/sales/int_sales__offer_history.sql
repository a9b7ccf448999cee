{#
    Point-in-time history of every offer (open and closed): what had happened before the day
    the offer was created, never after. An outcome counts from the day it was known: the later
    of the offer's created and close dates (a close date before the created date is a
    data-entry error: the outcome cannot have been known before the record existed). Outcomes
    known on the creation day itself are left out, since the order within a day is unknown.
    Each cumulative series is joined with an ASOF join on the last day before the creation
    date, so nothing after the creation date reaches a row.
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

-- running totals of known outcomes per group and day
lead_daily as (

    select
        lead_id,
        known_date,
        sum(count(*)) over (partition by lead_id order by known_date) as outcomes_to_date,
        sum(sum(won)) over (partition by lead_id order by known_date) as wins_to_date
    from outcomes
    where lead_id is not null
    group by lead_id, known_date

),

city_daily as (

    select
        city,
        known_date,
        sum(count(*)) over (partition by city order by known_date) as outcomes_to_date,
        sum(sum(won)) over (partition by city order by known_date) as wins_to_date
    from outcomes
    where city is not null
    group by city, known_date

),

use_case_daily as (

    select
        use_case,
        known_date,
        sum(count(*)) over (partition by use_case order by known_date) as outcomes_to_date,
        sum(sum(won)) over (partition by use_case order by known_date) as wins_to_date
    from outcomes
    where use_case is not null
    group by use_case, known_date

),

-- offers made to the same lead on earlier days (creation is known at creation, open or not)
lead_offers as (

    select
        offer_id,
        case
            when lead_id is not null
                then count(*) over (
                        partition by lead_id
                        order by created_date
                        range between unbounded preceding and interval 1 day preceding
                    )
            else 0
        end as lead_prior_offers
    from offers

),

as_of as (

    select
        offers.offer_id,
        offers.created_date,
        lead_offers.lead_prior_offers,
        lead_daily.outcomes_to_date as lead_outcomes,
        lead_daily.wins_to_date as lead_wins,
        city_daily.outcomes_to_date as city_outcomes,
        city_daily.wins_to_date as city_wins,
        use_case_now.outcomes_to_date as use_case_outcomes,
        use_case_now.wins_to_date as use_case_wins
    from offers
    inner join lead_offers
        on offers.offer_id = lead_offers.offer_id
    asof left join lead_daily
        on offers.lead_id = lead_daily.lead_id
            and offers.created_date > lead_daily.known_date
    asof left join city_daily
        on offers.city = city_daily.city
            and offers.created_date > city_daily.known_date
    asof left join use_case_daily as use_case_now
        on offers.use_case = use_case_now.use_case
            and offers.created_date > use_case_now.known_date

),

-- the same use-case series 90 days earlier, for a trailing 90-day window
use_case_window as (

    select
        offers.offer_id,
        use_case_before.outcomes_to_date as outcomes_before_window,
        use_case_before.wins_to_date as wins_before_window
    from offers
    asof left join use_case_daily as use_case_before
        on offers.use_case = use_case_before.use_case
            and offers.created_date - interval 90 day > use_case_before.known_date

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
