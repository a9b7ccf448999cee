{#
    One row per customer with at least one purchase that counts: the behavioural features the
    loyalty (Insiders) clustering reads. All the work happens here in SQL; the Python model gets
    this table only. See customer_features.yml for each formula and where it departs from the
    reference.
#}

{%- set configured = var('ecommerce_reference_date', none) %}
{%- set reference_date_expression = (
    "max(cast('" ~ configured ~ "' as date))" if configured else 'max(invoice_date)'
) %}

with lines as (

    select * from {{ ref('int_ecommerce__transaction_lines_classified') }}

),

purchase_invoices as (

    select * from {{ ref('int_ecommerce__purchase_invoices') }}

),

-- the date recency is measured from: a var, else the latest invoice date of the extract (every
-- staged line, as the classified lines hold every staged line; read from staging, one column)
reference_date as (

    select
        {{ reference_date_expression }} as reference_date
    from {{ ref('stg_online_retail__transactions') }}

),

customer_invoices as (

    select
        customer_id,
        bool_or(is_surrogate_customer) as is_surrogate_customer,
        count(*) as total_purchases,
        sum(purchase_lines) as purchase_lines,
        sum(units) as total_products,
        sum(revenue) as revenue,
        avg(units) as basket_size,
        avg(distinct_stock_codes) as unique_basket_size,
        count(distinct invoice_date) as purchase_days,
        min(invoice_date) as first_purchase_date,
        max(invoice_date) as last_purchase_date
    from purchase_invoices
    group by customer_id

),

-- distinct products need the lines (a code bought on two invoices is one product); returns
-- come from the same pass over the included lines
customer_lines as (

    select
        customer_id,
        count(distinct stock_code) filter (where line_kind = 'purchase') as distinct_stock_codes,
        -sum(quantity) filter (where line_kind = 'return') as returned_units,
        -sum(line_amount) filter (where line_kind = 'return') as returned_revenue
    from lines
    where is_included
    group by customer_id

),

joined as (

    select
        customer_invoices.*,
        customer_lines.distinct_stock_codes,
        coalesce(customer_lines.returned_units, 0) as returned_units,
        coalesce(customer_lines.returned_revenue, 0) as returned_revenue,
        reference_date.reference_date,
        {{ dbt.datediff('customer_invoices.first_purchase_date',
                        'customer_invoices.last_purchase_date', 'day') }} as active_span_days
    from customer_invoices
    inner join customer_lines
        on customer_invoices.customer_id = customer_lines.customer_id
    cross join reference_date

),

final as (

    select
        -- ids
        cast(customer_id as integer) as customer_id,

        -- booleans
        is_surrogate_customer,

        -- monetary
        cast(revenue as decimal(18, 3)) as revenue,
        cast(returned_revenue as decimal(18, 3)) as returned_revenue,
        cast(revenue - returned_revenue as decimal(18, 3)) as net_revenue,
        cast(revenue as double) / purchase_lines as avg_ticket,

        -- recency and frequency
        cast({{ dbt.datediff('last_purchase_date', 'reference_date', 'day') }} as integer)
            as recency_days,
        cast(total_purchases as bigint) as total_purchases,
        cast(total_purchases as double) / (active_span_days + 1) as frequency,
        cast(active_span_days as double) / nullif(purchase_days - 1, 0)
            as avg_days_between_purchases,

        -- basket
        cast(total_products as bigint) as total_products,
        cast(distinct_stock_codes as bigint) as distinct_stock_codes,
        cast(purchase_lines as bigint) as purchase_lines,
        cast(basket_size as double) as basket_size,
        cast(unique_basket_size as double) as unique_basket_size,

        -- returns
        cast(returned_units as bigint) as returned_units,

        -- dates
        first_purchase_date,
        last_purchase_date,
        reference_date as recency_reference_date

    from joined

)

select * from final
