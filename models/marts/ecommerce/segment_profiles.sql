{#-
    One row per cluster: size, shares of customers and revenue, mean features, Insiders flag,
    and the marketing action it calls for. The action reads the cluster's median recency (a
    few long-lapsed customers would drag a mean past the threshold of a cluster that mostly
    bought last month).
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
        bool_or(is_insider) as is_insider,
        any_value(model_name) as model_name,
        any_value(model_version) as model_version,
        count(*) as customers,
        sum(revenue) as revenue,
        avg(revenue) as mean_revenue,
        avg(recency_days) as mean_recency_days,
        median(recency_days) as median_recency_days,
        avg(distinct_stock_codes) as mean_distinct_stock_codes,
        avg(basket_size) as mean_basket_size,
        avg(returned_units) as mean_returned_units,
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
        per_cluster.is_insider,

        -- size and shares
        per_cluster.customers,
        per_cluster.customers / totals.total_customers as customer_share,
        cast(per_cluster.revenue as double) as revenue,
        cast(per_cluster.revenue / nullif(totals.total_revenue, 0) as double) as revenue_share,

        -- profile
        cast(per_cluster.mean_revenue as double) as mean_revenue,
        per_cluster.mean_recency_days,
        cast(per_cluster.median_recency_days as double) as median_recency_days,
        per_cluster.mean_distinct_stock_codes,
        per_cluster.mean_basket_size,
        per_cluster.mean_returned_units,
        cast(per_cluster.min_revenue as double) as min_revenue,
        cast(per_cluster.max_revenue as double) as max_revenue,

        -- action
        case
            when per_cluster.is_insider and per_cluster.median_recency_days <= 60
                then 'Insiders perks: early access, free shipping, a dedicated contact'
            when per_cluster.is_insider
                then 'Insiders win-back: personal offer to restart purchases'
            when per_cluster.median_recency_days > 180
                then 'Reactivation campaign with a time-limited discount'
            when per_cluster.mean_returned_units > 0
                and per_cluster.mean_returned_units >= per_cluster.mean_basket_size
                then 'Review returns: product quality and sizing information'
            when per_cluster.mean_distinct_stock_codes < 10
                then 'Cross-sell recommendations to widen the product range'
            else 'Upsell bundles to grow basket size towards the Insiders profile'
        end as action,

        -- model
        per_cluster.model_name,
        per_cluster.model_version
    from per_cluster
    cross join totals

)

select * from final
order by cluster
