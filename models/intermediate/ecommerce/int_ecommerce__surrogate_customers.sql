{#
    One surrogate customer per invoice that has lines without a customer id (the reference's
    rule): ids count up from var `ecommerce_surrogate_customer_id_start` (19000, above every real
    id of the public file), or from the largest real id + 1 when the data holds real ids at or
    above it, so a surrogate never collides with a real customer.

    The order they are numbered in is var `ecommerce_surrogate_numbering`:
    - `invoice_order` (default): by invoice number, so the same lines in any file order give
      every invoice the same surrogate id;
    - `file_order`: by the invoice's first line in the raw file, numbering every invoice
      without a customer in the raw file, rejected ones included (e.g. the negative-price
      "adjust bad debt" invoices), as the reference's notebook numbered them before any filter
      (config/reference_004.yml): the ids of the invoices kept are the reference's, with gaps
      where it numbered an invoice it then removed.
#}

{%- set numbering = var('ecommerce_surrogate_numbering') %}
{%- if numbering not in ['invoice_order', 'file_order'] %}
    {{ exceptions.raise_compiler_error(
        "var ecommerce_surrogate_numbering must be `invoice_order` or `file_order`, got `"
        ~ numbering ~ "`") }}
{%- endif %}

-- depends_on: {{ ref('base_online_retail__transactions') }}
-- the numbering's CTEs differ per branch: .sqlfluff's exclusions plus unused_cte and cte_newline
-- sqlfluff:exclude_rules:ambiguous.column_count,structure.using,references.qualification,structure.column_order,references.quoting,references.keywords,references.consistent,aliasing.self_alias.column,structure.unused_join,layout.cte_newline,structure.unused_cte,layout.long_lines
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
        count(*) as lines
    from transactions
    where customer_id is null
    group by invoice_no

),

{%- if numbering == 'file_order' %}
raw_lines as (

    select * from {{ ref('base_online_retail__transactions') }}

),

-- where each invoice without a customer first appears in the raw file (before any filter)
first_raw_lines as (

    select
        invoice_no,
        min(source_row_number) as first_source_row_number
    from raw_lines
    where invoice_no is not null
        and customer_id is null
        and not customer_id_unparseable
    group by invoice_no

),

-- every raw invoice without a customer in file order, the rejected ones included
numbered as (

    select
        invoice_no,
        row_number() over (order by first_source_row_number, invoice_no) as position
    from first_raw_lines

),

{% else %}
numbered as (

    select
        invoice_no,
        row_number() over (order by invoice_no) as position
    from invoices_without_customer

),

{% endif %}

final as (

    select
        -- ids
        invoices_without_customer.invoice_no,
        surrogate_start.first_id - 1 + numbered.position as surrogate_customer_id,

        -- numerics
        invoices_without_customer.lines
    from invoices_without_customer
    cross join surrogate_start
    inner join numbered
        on invoices_without_customer.invoice_no = numbered.invoice_no

)

select * from final
