{#- Raw rows of the sales pipeline files that could not be staged, with the reason. -#}

with offers as (

    select * from {{ ref('base_sales_pipeline__offers') }}
    where reject_reason is not null

),

leads as (

    select * from {{ ref('base_sales_pipeline__leads') }}
    where reject_reason is not null

),

final as (

    select 'offers' as source_table, source_row_number, reject_reason, raw_record from offers
    union all
    select 'leads' as source_table, source_row_number, reject_reason, raw_record from leads

)

select * from final
