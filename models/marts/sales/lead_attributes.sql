{#
    The leads the warehouse knows, with only what an offer's lead features need: the
    raw-record scorer (revenue_ml.score offers, the REST service) looks an offer's `Id` up here,
    exactly as int_sales__offers_with_leads joins the staged leads. No names or cities, only
    flags.
#}

with leads as (

    select * from {{ ref('stg_sales_pipeline__leads') }}

),

final as (

    select
        -- ids
        lead_id,

        -- attributes
        lead_source,
        city is not null as has_city,
        acquisition_campaign is not null as has_acquisition_campaign,

        -- dates
        created_date as lead_created_date
    from leads

)

select * from final
