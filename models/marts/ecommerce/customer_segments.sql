{#- One row per customer with purchases: its features, segment (by the registered
    `insiders_segments` model) with its name and action, 2-D map coordinates, whether its
    segment is an Insiders cluster and whether the customer qualifies as an Insider. -#}

with features as (

    select * from {{ ref('customer_features') }}

),

assignments as (

    select * from {{ ref('ecommerce_segment_assignments') }}

),

final as (

    select
        -- ids
        features.customer_id,
        features.is_surrogate_customer,

        -- segment
        assignments.cluster,
        assignments.cluster_name,
        assignments.cluster_action,
        assignments.in_insiders_cluster,
        assignments.is_insider,
        assignments.insider_exclusion_reason,
        assignments.embedding_x,
        assignments.embedding_y,
        assignments.embedding_space,
        assignments.distance_to_center,

        -- features used by the segmentation
        features.revenue,
        features.net_revenue,
        features.recency_days,
        features.distinct_stock_codes,
        features.basket_size,
        features.returned_units,

        -- other descriptors
        features.total_purchases,
        features.frequency,
        features.avg_ticket,

        -- model
        assignments.model_name,
        assignments.model_version,
        assignments.scored_at
    from features
    inner join assignments
        on features.customer_id = assignments.customer_id

)

select * from final
