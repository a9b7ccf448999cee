{#- Every trait in a segment's name agrees with its customers' medians against all customers'
    medians (recomputed here from customer_segments, independently of the Python that named
    them): "recent" has a lower median recency, "lapsed" a higher one, and so on; "frequent-" /
    "few-returns" compare the share of customers with any return when most customers have none
    (the median is 0). Rows returned = a word that contradicts the data. -#}
with segments as (
    select * from {{ ref('customer_segments') }}
),

overall as (
    select
        {{ median('recency_days') }} as recency,
        {{ median('distinct_stock_codes') }} as products,
        {{ median('basket_size') }} as basket,
        {{ median('cast(revenue as double)') }} as revenue,
        {{ median('returned_units') }} as returns,
        {{ quantile_cont('returned_units', 0.75) }} as returns_q3,
        avg(case when returned_units > 0 then 1.0 else 0.0 end) as share_with_returns
    from segments
),

per_cluster as (
    select
        cluster,
        lower(any_value(cluster_name)) as name,
        {{ median('recency_days') }} as recency,
        {{ median('distinct_stock_codes') }} as products,
        {{ median('basket_size') }} as basket,
        {{ median('cast(revenue as double)') }} as revenue,
        {{ median('returned_units') }} as returns,
        avg(case when returned_units > 0 then 1.0 else 0.0 end) as share_with_returns
    from segments
    group by cluster
),

compared as (
    select
        per_cluster.*,
        case
            when overall.returns = 0 and overall.returns_q3 = 0
                then per_cluster.share_with_returns - overall.share_with_returns
            else per_cluster.returns - overall.returns
        end as returns_difference,
        overall.recency as overall_recency,
        overall.products as overall_products,
        overall.basket as overall_basket,
        overall.revenue as overall_revenue
    from per_cluster
    cross join overall
)

select *
from compared
where (name like '%recent%' and not recency < overall_recency)
    or (name like '%lapsed%' and not recency > overall_recency)
    or (name like '%broad-range%' and not products > overall_products)
    or (name like '%narrow-range%' and not products < overall_products)
    or (name like '%big-basket%' and not basket > overall_basket)
    or (name like '%small-basket%' and not basket < overall_basket)
    or (name like '%high-spend%' and not revenue > overall_revenue)
    or (name like '%low-spend%' and not revenue < overall_revenue)
    or (name like '%frequent-returns%' and not returns_difference > 0)
    or (name like '%few-returns%' and not returns_difference < 0)
