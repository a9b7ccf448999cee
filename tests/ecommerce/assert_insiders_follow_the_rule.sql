{#- The Insiders rule, checked on the marts: Insiders clusters are exactly the top clusters by
    mean revenue (no non-Insiders cluster earns more on average than an Insiders one); the
    top cluster is always in; and the Insiders exceed insiders_max_customer_share of the
    customers only when the top cluster alone does. Rows returned = failure. -#}
with profiles as (
    select * from {{ ref('segment_profiles') }}
),

checks as (
    select
        min(mean_revenue) filter (where is_insiders_cluster) as lowest_insider_mean,
        max(mean_revenue) filter (where not is_insiders_cluster) as highest_other_mean,
        coalesce(sum(customer_share) filter (where is_insiders_cluster), 0)
            as insiders_customer_share,
        count(*) filter (where is_insiders_cluster) as insider_clusters,
        max_by(is_insiders_cluster, mean_revenue) as top_cluster_is_insiders
    from profiles
)

select *
from checks
where not top_cluster_is_insiders
    or lowest_insider_mean < highest_other_mean
    or (
        insider_clusters > 1
        and insiders_customer_share > {{ var('ecommerce_insiders_max_customer_share') }} + 1e-9
    )
