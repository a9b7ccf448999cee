{#
    The sales manager's lists: every open offer, in one of two lists.

    - The worklist (`is_likely_dead` false): offers young enough to still close, ranked by
      expected value = the chance the offer, open for `age_days` today, closes won within the
      next `sales_win_horizon_days` (model `offer_close_by_age`, or its baseline when the model
      does not beat it; see offer_scores.serving_reason) x its price.
    - Likely dead (`is_likely_dead` true): offers open longer than the age by which
      `sales_likely_dead_won_share` of the won offers had closed (measured on the data's
      closed offers): close them or requalify them; ranked by price.

    Ages are measured at the data's as-of date (offer_features.as_of_date), so a historical file
    reads as of its own last day rather than today.
#}

with offers as (

    select * from {{ ref('int_sales__offers_with_leads') }}

),

features as (

    select * from {{ ref('offer_features') }}

),

scores as (

    select * from {{ ref('offer_scores') }}
    where not is_closed

),

won_durations as (

    -- how long the won offers took to close (a close before the creation day counts as 0)
    select
        greatest(duration_days, 0) as duration_days,
        count(*) as won_offers
    from features
    where won = 1 and duration_days is not null
    group by greatest(duration_days, 0)

),

won_total as (

    select sum(won_offers) as won_offers
    from won_durations

),

dead_age as (

    -- the age by which the configured share of won offers had closed
    select
        cast(
            ceil(
                {%- set won_share = var('sales_likely_dead_won_share') %}
                {{ quantile_cont('greatest(duration_days, 0)', won_share) }}
            )
            as bigint
        ) as likely_dead_after_days
    from features
    where won = 1 and duration_days is not null

),

dead_age_share as (

    -- the share of won offers actually closed within that age (the quantile rounds up)
    select
        dead_age.likely_dead_after_days,
        cast(sum(
            case when won_durations.duration_days <= dead_age.likely_dead_after_days
                    then won_durations.won_offers
                else 0
            end
        ) as double) / max(won_total.won_offers) as won_closed_within_dead_age_share
    from dead_age
    cross join won_durations
    cross join won_total
    group by dead_age.likely_dead_after_days

),

valued as (

    select
        offers.offer_id,
        offers.status,
        offers.use_case,
        offers.price,
        offers.discount_code,
        offers.pain,
        offers.created_date,
        offers.lead_source,
        offers.city,
        offers.acquisition_campaign,
        features.as_of_date,
        features.open_age_days as age_days,
        scores.probability,
        scores.probability_at_creation,
        scores.predicted_label,
        scores.reasons,
        scores.threshold,
        scores.model_name,
        scores.model_version,
        scores.serving_reason,
        scores.probability * offers.price as expected_value,
        dead_age_share.likely_dead_after_days,
        dead_age_share.won_closed_within_dead_age_share,
        features.open_age_days > dead_age_share.likely_dead_after_days as is_likely_dead
    from scores
    inner join offers
        on scores.offer_id = offers.offer_id
    inner join features
        on scores.offer_id = features.offer_id
    cross join dead_age_share

),

closed_by_age as (

    -- per open offer: the share of won offers that had closed by its age
    select
        valued.offer_id,
        cast(coalesce(sum(
            case when won_durations.duration_days <= valued.age_days
                    then won_durations.won_offers
                else 0
            end
        ), 0) as double) / max(won_total.won_offers) as won_closed_by_age_share
    from valued
    cross join won_durations
    cross join won_total
    group by valued.offer_id

),

explained as (

    select
        valued.*,
        closed_by_age.won_closed_by_age_share,
        case
            when valued.is_likely_dead
                then 'Open ' || cast(valued.age_days as string) || ' days: '
                    || cast(
                        cast(round(100 * valued.won_closed_within_dead_age_share) as bigint)
                        as string
                    )
                    || '% of won offers closed within '
                    || cast(valued.likely_dead_after_days as string)
                    || ' days. Close it or requalify it'
            when valued.age_days = 0 then 'Opened today'
            else 'Open ' || cast(valued.age_days as string) || ' days: '
                || cast(
                    cast(round(100 * closed_by_age.won_closed_by_age_share) as bigint)
                    as string
                )
                || '% of won offers had closed by then'
        end as age_reason
    from valued
    inner join closed_by_age
        on valued.offer_id = closed_by_age.offer_id

),

final as (

    select
        -- ids
        offer_id,

        -- list and rank: the worklist by expected value, the likely dead by price
        is_likely_dead,
        cast(row_number() over (
            partition by is_likely_dead
            order by
                case when is_likely_dead then price else expected_value end desc nulls last,
                probability desc,
                offer_id asc
        ) as integer) as list_rank,

        -- offer
        status as stage,
        use_case,
        price,
        discount_code,
        pain,
        created_date,
        age_days,

        -- lead
        lead_source,
        city,
        acquisition_campaign,

        -- decision
        probability as win_probability,
        predicted_label = 1 as is_likely_to_win,
        expected_value,
        age_reason,
        reasons,
        age_reason || case when reasons is not null then '. ' || reasons else '' end as why,
        probability_at_creation as win_probability_at_creation,
        won_closed_by_age_share,
        likely_dead_after_days,
        won_closed_within_dead_age_share,

        -- model
        threshold,
        model_name,
        model_version,
        serving_reason,

        -- metadata
        as_of_date
    from explained

)

select * from final
