{#-
    One row per segment: size, shares of customers and revenue, the medians its name is read
    from (revenue_ml.ml.segmentation.cluster_traits; tests/ecommerce/ checks the name against
    them), whether it is an Insiders cluster, how many of its customers qualify, and the
    marketing action (seed segment_actions, one per segment).
-#}

with segments as (

    select * from {{ ref('customer_segments') }}

),

totals as (

    select
        count(*) as total_customers,
        sum(revenue) as total_revenue
    from segments

),

per_cluster as (

    select
        cluster,
        any_value(cluster_name) as cluster_name,
        any_value(cluster_action) as action,
        bool_or(in_insiders_cluster) as is_insiders_cluster,
        any_value(model_name) as model_name,
        any_value(model_version) as model_version,
        count(*) as customers,
        count(*) filter (where is_insider) as insiders,
        count(*) filter (where insider_exclusion_reason = 'no customer id') as unidentified,
        count(*) filter (
            where insider_exclusion_reason is not null
            and insider_exclusion_reason != 'no customer id'
        ) as low_net_revenue,
        sum(revenue) as revenue,
        coalesce(sum(revenue) filter (where is_insider), 0) as insiders_revenue,
        sum(net_revenue) as net_revenue,
        avg(revenue) as mean_revenue,
        {{ median('cast(revenue as double)') }} as median_revenue,
        avg(recency_days) as mean_recency_days,
        {{ median('recency_days') }} as median_recency_days,
        avg(distinct_stock_codes) as mean_distinct_stock_codes,
        {{ median('distinct_stock_codes') }} as median_distinct_stock_codes,
        avg(basket_size) as mean_basket_size,
        {{ median('basket_size') }} as median_basket_size,
        avg(returned_units) as mean_returned_units,
        -- doubles averaged (a decimal literal's average is a rounded decimal on Spark)
        avg(case when returned_units > 0 then cast(1 as double) else cast(0 as double) end)
            as share_with_returns,
        min(revenue) as min_revenue,
        max(revenue) as max_revenue
    from segments
    group by cluster

),

final as (

    select
        -- ids
        per_cluster.cluster,
        per_cluster.cluster_name,

        -- Insiders
        per_cluster.is_insiders_cluster,
        per_cluster.insiders,
        per_cluster.unidentified,
        per_cluster.low_net_revenue,

        -- size and shares
        per_cluster.customers,
        per_cluster.customers / totals.total_customers as customer_share,
        cast(per_cluster.revenue as double) as revenue,
        cast(per_cluster.revenue as double) / nullif(cast(totals.total_revenue as double), 0)
            as revenue_share,
        cast(per_cluster.insiders_revenue as double) as insiders_revenue,
        cast(per_cluster.insiders_revenue as double)
        / nullif(cast(totals.total_revenue as double), 0) as insiders_revenue_share,
        cast(per_cluster.net_revenue as double) as net_revenue,

        -- profile: the medians the name is read from, and means
        cast(per_cluster.mean_revenue as double) as mean_revenue,
        cast(per_cluster.median_revenue as double) as median_revenue,
        per_cluster.mean_recency_days,
        cast(per_cluster.median_recency_days as double) as median_recency_days,
        per_cluster.mean_distinct_stock_codes,
        cast(per_cluster.median_distinct_stock_codes as double) as median_distinct_stock_codes,
        per_cluster.mean_basket_size,
        cast(per_cluster.median_basket_size as double) as median_basket_size,
        per_cluster.mean_returned_units,
        per_cluster.share_with_returns,
        cast(per_cluster.min_revenue as double) as min_revenue,
        cast(per_cluster.max_revenue as double) as max_revenue,

        -- action
        per_cluster.action,

        -- model
        per_cluster.model_name,
        per_cluster.model_version
    from per_cluster
    cross join totals

)

select * from final
order by cluster
