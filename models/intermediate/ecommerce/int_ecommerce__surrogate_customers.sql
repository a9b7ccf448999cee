{#
    One surrogate customer per invoice that has lines without a customer id (the reference's
    rule): ids count up from var `ecommerce_surrogate_customer_id_start` (19000, above every real
    id of the public file), or from the largest real id + 1 when the data holds real ids at or
    above it, so a surrogate never collides with a real customer; in order of the invoice's
    first line in the raw file, so the numbering is deterministic and matches the reference's
    `drop_duplicates` order on the same lines.
#}

with transactions as (

    select * from {{ ref('stg_online_retail__transactions') }}

),

surrogate_start as (

    select
        greatest(
            {{ var('ecommerce_surrogate_customer_id_start', 19000) }},
            coalesce(max(customer_id) + 1, 0)
        ) as first_id
    from transactions

),

invoices_without_customer as (

    select
        invoice_no,
        min(transaction_line_id) as first_transaction_line_id,
        count(*) as lines
    from transactions
    where customer_id is null
    group by invoice_no

),

final as (

    select
        -- ids
        invoice_no,
        surrogate_start.first_id - 1
            + row_number() over (order by first_transaction_line_id, invoice_no)
            as surrogate_customer_id,
        first_transaction_line_id,

        -- numerics
        lines
    from invoices_without_customer
    cross join surrogate_start

)

select * from final
