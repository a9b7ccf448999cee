-- How to reproduce each answer of ecommerce.insiders_report from ecommerce.customer_segments
-- (compile with `dbt compile -s insiders_answers`, run the compiled SQL in DuckDB).

-- 1. Who is eligible: the Insiders customers (members of an Insiders cluster who qualify; the
--    others of those clusters, with insider_exclusion_reason, are left out).
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
    bool_or(in_insiders_cluster) as is_insiders_cluster,
    count(*) filter (where is_insider) as insiders,
    min(revenue) filter (where is_insider) as min_insider_revenue
from {{ ref('customer_segments') }}
group by cluster, cluster_name
order by mean_revenue desc;

-- 6. One action per cluster (cluster_action, from the seed segment_actions), with the medians
--    the cluster's name is read from.
select
    cluster,
    cluster_name,
    any_value(cluster_action) as action,
    count(*) as customers,
    {{ median('recency_days') }} as median_recency_days,
    {{ median('distinct_stock_codes') }} as median_distinct_products,
    {{ median('basket_size') }} as median_basket_size,
    avg(recency_days) as recency_days,
    avg(distinct_stock_codes) as distinct_products,
    avg(basket_size) as basket_size,
    avg(returned_units) as returned_units
from {{ ref('customer_segments') }}
group by cluster, cluster_name
order by cluster;
