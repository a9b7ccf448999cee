-- The e-commerce customer features as one hand-written DuckDB query: the benchmark's yardstick
-- for the project's dbt models (benchmarks/features.py). Same rules as the project's defaults
-- (surrogate customers in invoice order, non-product codes, minimum unit price, excluded
-- countries and customers; purchases quantity >= 0, returns < 0).
-- Placeholders, filled by str.format: {transactions}, {non_product_stock_codes},
-- {excluded_countries}, {excluded_customers} (relations from the dbt manifest),
-- {surrogate_start}, {min_unit_price} (project vars).
with t as (
    select * from {transactions}
),
surrogates as (
    select
        invoice_no,
        greatest({surrogate_start}, (select coalesce(max(customer_id) + 1, 0) from t)) - 1
            + row_number() over (order by invoice_no) as customer_id
    from t
    where customer_id is null
    group by invoice_no
),
non_product as (
    select distinct codes.stock_code
    from (select distinct stock_code from t) as codes
    inner join {non_product_stock_codes} as p
        on p.is_active and codes.stock_code like p.stock_code_pattern
),
reference as (
    select max(invoice_date) as reference_date from t
),
lines as (
    select
        coalesce(t.customer_id, s.customer_id) as customer_id,
        t.customer_id is null as is_surrogate_customer,
        t.invoice_no, t.stock_code, t.quantity, t.line_amount, t.invoice_date
    from t
    left join surrogates as s
        on t.customer_id is null and t.invoice_no = s.invoice_no
    where t.stock_code not in (select stock_code from non_product)
        and t.unit_price >= {min_unit_price}
        and not coalesce(t.country in (select country from {excluded_countries}), false)
        and coalesce(t.customer_id, s.customer_id)
            not in (select customer_id from {excluded_customers})
),
invoices as (
    select
        customer_id, invoice_no,
        bool_or(is_surrogate_customer) as is_surrogate_customer,
        count(*) as lines, count(distinct stock_code) as codes,
        sum(quantity) as units, sum(line_amount) as revenue, min(invoice_date) as invoice_date
    from lines
    where quantity >= 0
    group by customer_id, invoice_no
),
per_customer as (
    select
        customer_id,
        bool_or(is_surrogate_customer) as is_surrogate_customer,
        count(*) as total_purchases, sum(lines) as purchase_lines, sum(units) as total_products,
        sum(revenue) as revenue, avg(units) as basket_size, avg(codes) as unique_basket_size,
        count(distinct invoice_date) as purchase_days,
        min(invoice_date) as first_date, max(invoice_date) as last_date
    from invoices
    group by customer_id
),
codes as (
    select customer_id, count(distinct stock_code) as distinct_stock_codes
    from lines where quantity >= 0 group by customer_id
),
returns as (
    select customer_id, -sum(quantity) as returned_units
    from lines where quantity < 0 group by customer_id
)
select
    p.customer_id::integer as customer_id,
    p.is_surrogate_customer,
    p.revenue::decimal(18, 3) as revenue,
    (p.revenue / p.purchase_lines)::double as avg_ticket,
    (r.reference_date - p.last_date)::integer as recency_days,
    p.total_purchases::bigint as total_purchases,
    (p.total_purchases / (p.last_date - p.first_date + 1.0))::double as frequency,
    ((p.last_date - p.first_date) / nullif(p.purchase_days - 1.0, 0))::double
        as avg_days_between_purchases,
    p.total_products::bigint as total_products,
    c.distinct_stock_codes::bigint as distinct_stock_codes,
    p.purchase_lines::bigint as purchase_lines,
    p.basket_size::double as basket_size,
    p.unique_basket_size::double as unique_basket_size,
    coalesce(ret.returned_units, 0)::bigint as returned_units
from per_customer as p
inner join codes as c on p.customer_id = c.customer_id
left join returns as ret on p.customer_id = ret.customer_id
cross join reference as r
