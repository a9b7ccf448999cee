with leads as (

    select * from {{ ref('base_sales_pipeline__leads') }}
    where reject_reason is null

),

final as (

    select
        -- ids
        lead_id,

        -- strings
        first_name,
        use_case,
        lead_source,
        lead_status,
        discarded_nurturing_reason,
        acquisition_campaign,
        city,

        -- booleans
        is_converted,

        -- dates
        created_date,

        -- metadata
        source_row_number
    from leads

)

select * from final
