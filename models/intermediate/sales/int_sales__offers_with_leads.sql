{#
    Offers joined to their lead. Leads are unique on lead_id, so the left join keeps exactly
    one row per offer; offers without a (known) lead keep null lead columns.
#}

with offers as (

    select * from {{ ref('stg_sales_pipeline__offers') }}

),

leads as (

    select * from {{ ref('stg_sales_pipeline__leads') }}

),

final as (

    select
        -- ids
        offers.offer_id,
        offers.lead_id,

        -- offer attributes
        offers.status,
        offers.is_closed,
        offers.is_won,
        offers.use_case,
        offers.price,
        offers.discount_code,
        offers.pain,
        offers.loss_reason,
        offers.created_date,
        offers.close_date,

        -- lead attributes
        leads.lead_id is not null as has_lead,
        leads.lead_source,
        leads.acquisition_campaign,
        leads.city,
        leads.created_date as lead_created_date
    from offers
    left join leads
        on offers.lead_id = leads.lead_id

)

select * from final
