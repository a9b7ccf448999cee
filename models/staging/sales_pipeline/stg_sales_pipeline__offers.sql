with offers as (

    select * from {{ ref('base_sales_pipeline__offers') }}
    where reject_reason is null

),

statuses as (

    select * from {{ ref('offer_statuses') }}

),

final as (

    select
        -- ids
        offers.offer_id,
        offers.lead_id,

        -- strings
        offers.status,
        offers.use_case,
        offers.discount_code,
        offers.pain,
        offers.loss_reason,

        -- booleans
        statuses.is_closed,
        statuses.is_won,

        -- numerics
        offers.price,

        -- dates
        offers.created_date,
        offers.close_date,

        -- metadata
        offers.source_row_number
    from offers
    inner join statuses
        on offers.status = statuses.status

)

select * from final
