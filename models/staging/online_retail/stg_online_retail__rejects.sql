{# Raw invoice lines that could not be staged, with the reason and the raw line as JSON. #}

with transactions as (

    select * from {{ ref('base_online_retail__transactions') }}
    where reject_reason is not null

),

final as (

    select
        'transactions' as source_table,
        source_row_number,
        reject_reason,
        raw_record
    from transactions

)

select * from final
