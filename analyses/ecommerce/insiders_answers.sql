-- How to reproduce each answer of ecommerce.insiders_report from ecommerce.customer_segments
-- (compile with `dbt compile -s insiders_answers`, run the compiled SQL in DuckDB).

-- 1. Who is eligible: the Insiders customers.
select
    customer_id,
    cluster,
    cluster_name,
    revenue
from {{ ref('customer_segments') }}
where is_insider
order by revenue desc;

-- 2. How many (and the share of customers).
select
    count(*) filter (where is_insider) as insiders,
    avg(cast(is_insider as int)) as customer_share
from {{ ref('customer_segments') }};

-- 3. Main characteristics: Insiders vs the others.
select
    is_insider,
    count(*) as customers,
    avg(revenue) as revenue,
    avg(recency_days) as recency_days,
    avg(distinct_stock_codes) as distinct_products,
    avg(basket_size) as basket_size,
    avg(returned_units) as returned_units
from {{ ref('customer_segments') }}
group by is_insider;

-- 4. Share of revenue from the Insiders.
select sum(revenue) filter (where is_insider) / sum(revenue) as insiders_revenue_share
from {{ ref('customer_segments') }};

-- 5. Conditions: the Insiders clusters (mean revenue order, cumulative revenue share up to the
--    target, cumulative customer share within insiders_max_customer_share).
select
    cluster,
    cluster_name,
    avg(revenue) as mean_revenue,
    sum(revenue) / sum(sum(revenue)) over () as revenue_share,
    sum(sum(revenue)) over (order by avg(revenue) desc) / sum(sum(revenue)) over ()
        as cumulative_share,
    count(*) / sum(count(*)) over () as customer_share,
    sum(count(*)) over (order by avg(revenue) desc) / sum(count(*)) over ()
        as cumulative_customer_share,
    bool_or(is_insider) as is_insider,
    min(revenue) as min_revenue
from {{ ref('customer_segments') }}
group by cluster, cluster_name
order by mean_revenue desc;

-- 6. One action per cluster: read the per-cluster profile (recency, products, basket, returns).
select
    cluster,
    cluster_name,
    count(*) as customers,
    avg(recency_days) as recency_days,
    avg(distinct_stock_codes) as distinct_products,
    avg(basket_size) as basket_size,
    avg(returned_units) as returned_units
from {{ ref('customer_segments') }}
group by cluster, cluster_name
order by cluster;
