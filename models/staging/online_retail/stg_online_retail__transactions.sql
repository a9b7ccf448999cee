with transactions as (

    select * from {{ ref('base_online_retail__transactions') }}
    where reject_reason is null

),

final as (

    select
        -- ids
        source_row_number as transaction_line_id,
        invoice_no,
        stock_code,
        customer_id,

        -- strings
        case
            when invoice_no like 'C%' then 'cancellation'
            when invoice_no like 'A%' then 'adjustment'
            else 'sale'
        end as invoice_type,
        description,
        country,

        -- numerics
        quantity,
        unit_price,
        quantity * unit_price as line_amount,

        -- timestamps
        invoiced_at,
        cast(invoiced_at as date) as invoice_date

    from transactions

)

select * from final
