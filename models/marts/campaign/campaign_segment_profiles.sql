{#
    Profile of every KMeans segment (k = 2 and k = 3): size, means of key features, response,
    and a name read from the profile: the spend tier (segments are numbered by mean total
    spend, so the tier follows the number) and the household (children at home on average).
#}

with segments as (

    select * from {{ ref('campaign_segments') }}

),

features as (

    select * from {{ ref('campaign_features') }}

),

profiles as (

    select
        segments.k,
        segments.segment,
        count(*) as customers,
        any_value(segments.silhouette) as silhouette,
        avg(features.income_imputed) as mean_income,
        avg(features.age) as mean_age,
        avg(features.children_at_home) as mean_children_at_home,
        avg(features.tenure_days) as mean_tenure_days,
        avg(features.recency_days) as mean_recency_days,
        avg(features.spend_total) as mean_spend_total,
        avg(features.spend_wines) as mean_spend_wines,
        avg(features.spend_meat) as mean_spend_meat,
        avg(features.purchases_deals) as mean_purchases_deals,
        avg(features.purchases_web) as mean_purchases_web,
        avg(features.purchases_catalog) as mean_purchases_catalog,
        avg(features.purchases_store) as mean_purchases_store,
        avg(features.web_visits_last_month) as mean_web_visits_last_month,
        avg(features.campaigns_accepted) as mean_campaigns_accepted,
        count(features.responded) as labelled_customers,
        avg(features.responded) as response_rate
    from segments
    inner join features
        on segments.customer_id = features.customer_id
    group by segments.k, segments.segment

),

named as (

    select
        *,
        case
            when segment = k - 1 then 'High spenders'
            when segment = 0 then 'Low spenders'
            else 'Mid spenders'
        end
        || case
            when mean_children_at_home >= 1 then ', children at home'
            else ', few children at home'
        end as segment_name
    from profiles

),

final as (

    select
        -- ids
        k,
        segment,
        segment_name,

        -- size
        customers,
        customers / sum(customers) over (partition by k) as share,

        -- profile
        mean_income,
        mean_age,
        mean_children_at_home,
        mean_tenure_days,
        mean_recency_days,
        mean_spend_total,
        mean_spend_wines,
        mean_spend_meat,
        mean_purchases_deals,
        mean_purchases_web,
        mean_purchases_catalog,
        mean_purchases_store,
        mean_web_visits_last_month,
        mean_campaigns_accepted,

        -- response
        labelled_customers,
        response_rate,

        -- quality of the segmentation
        silhouette
    from named

)

select * from final
