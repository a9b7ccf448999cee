{#
    One row per customer and purchase invoice, from the lines that count (`is_included`) and
    are purchases: the basket level the per-customer averages are taken over.
#}

with lines as (

    select * from {{ ref('int_ecommerce__transaction_lines_classified') }}
    where is_included
        and line_kind = 'purchase'

),

final as (

    select
        -- ids
        customer_id,
        invoice_no,

        -- booleans
        bool_or(is_surrogate_customer) as is_surrogate_customer,

        -- numerics
        count(*) as purchase_lines,
        count(distinct stock_code) as distinct_stock_codes,
        cast(sum(quantity) as bigint) as units,
        sum(line_amount) as revenue,

        -- dates
        min(invoice_date) as invoice_date

    from lines
    group by
        customer_id,
        invoice_no

)

select * from final
