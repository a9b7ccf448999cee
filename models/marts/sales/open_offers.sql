{#
    The sales manager's list: open offers, most expected value first. Expected value = the
    probability that the offer closes won (model `offer_close_at_open`, which uses only what is
    known when an offer is created) x its price. Age is measured at the pipeline's as-of date,
    the latest created or close date in the data, so a historical file reads as of its own
    last day rather than today.
#}

with offers as (

    select * from {{ ref('int_sales__offers_with_leads') }}

),

scores as (

    select * from {{ ref('offer_scores') }}
    where not is_closed

),

as_of as (

    select max(greatest(created_date, coalesce(close_date, created_date))) as as_of_date
    from offers

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
        as_of.as_of_date,
        scores.probability,
        scores.predicted_label,
        scores.reasons,
        scores.threshold,
        scores.model_name,
        scores.model_version,
        datediff('day', offers.created_date, as_of.as_of_date) as age_days,
        scores.probability * offers.price as expected_value
    from scores
    inner join offers
        on scores.offer_id = offers.offer_id
    cross join as_of

),

final as (

    select
        -- ids
        offer_id,

        -- rank
        cast(row_number() over (
            order by expected_value desc nulls last, probability desc, offer_id asc
        ) as integer) as value_rank,

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
        reasons,

        -- model
        threshold,
        model_name,
        model_version,

        -- metadata
        as_of_date
    from valued

)

select * from final
