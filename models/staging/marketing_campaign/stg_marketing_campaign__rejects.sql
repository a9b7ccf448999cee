{# Raw campaign rows that could not be staged, with the reason and the raw row as JSON. #}

with customers as (

    select * from {{ ref('base_marketing_campaign__customers') }}
    where reject_reason is not null

),

final as (

    select
        'customers' as source_table,
        source_row_number,
        reject_reason,
        raw_record
    from customers

)

select * from final
