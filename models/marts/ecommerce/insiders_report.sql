{#- The six business questions of the Insiders write-up (reference 004), answered from the
    data: one row each. `figure` is the headline number of the answer (null when the answer is
    a list). analyses/ecommerce/insiders_answers.sql reproduces each from customer_segments. -#}

with segments as (

    select * from {{ ref('customer_segments') }}

),

profiles as (

    select * from {{ ref('segment_profiles') }}

),

totals as (

    select
        count(*) as customers,
        count(*) filter (where is_insider) as insiders,
        sum(revenue) as revenue,
        sum(revenue) filter (where is_insider) as insiders_revenue
    from segments

),

means as (

    select
        avg(revenue) filter (where is_insider) as ins_revenue,
        avg(revenue) filter (where not is_insider) as non_revenue,
        avg(recency_days) filter (where is_insider) as ins_recency,
        avg(recency_days) filter (where not is_insider) as non_recency,
        avg(distinct_stock_codes) filter (where is_insider) as ins_products,
        avg(distinct_stock_codes) filter (where not is_insider) as non_products,
        avg(basket_size) filter (where is_insider) as ins_basket,
        avg(basket_size) filter (where not is_insider) as non_basket,
        avg(returned_units) filter (where is_insider) as ins_returns,
        avg(returned_units) filter (where not is_insider) as non_returns
    from segments

),

insider_clusters as (

    select
        string_agg(printf('%d (%s)', cluster, cluster_name), ', ' order by cluster) as clusters,
        min(min_revenue) as min_revenue
    from profiles
    where is_insider

),

actions as (

    select
        string_agg(
            printf(
                'cluster %d (%s, %d customers, %.1f%% of revenue): %s', cluster, cluster_name,
                customers, 100 * revenue_share, lower(action[1:1]) || action[2:]
            ),
            '; ' order by cluster
        ) as text,
        count(*) as clusters
    from profiles

),

target as (

    select
        any_value(insiders_revenue_share_target) as share_target,
        any_value(insiders_max_customer_share) as max_customer_share
    from {{ ref('ecommerce_segment_assignments') }}

),

answers as (

    select
        1 as question_number,
        'Who are the people eligible for the Insiders programme?' as question,
        printf(
            'The %d customers of clusters %s; the list is ecommerce.customer_segments '
            || 'where is_insider.',
            totals.insiders, insider_clusters.clusters
        ) as answer,
        cast(totals.insiders as double) as figure
    from totals cross join insider_clusters

    union all

    select
        2 as question_number,
        'How many customers will be part of the group?' as question,
        printf(
            '%d customers, %.2f%% of the %d customers with purchases.',
            insiders, 100.0 * insiders / customers, customers
        ) as answer,
        cast(insiders as double) as figure
    from totals

    union all

    select
        3 as question_number,
        'What are the main characteristics of these customers?' as question,
        coalesce(
            printf(
                'Insiders vs the others (means): revenue %.0f vs %.0f GBP; '
                || 'recency %.0f vs %.0f days; distinct products %.1f vs %.1f; '
                || 'basket size %.1f vs %.1f units; returned units %.1f vs %.1f.',
                ins_revenue, non_revenue, ins_recency, non_recency, ins_products, non_products,
                ins_basket, non_basket, ins_returns, non_returns
            ),
            printf(
                'Every customer is an Insider under the current target (no comparison group); '
                || 'means: revenue %.0f GBP, recency %.0f days, distinct products %.1f, '
                || 'basket size %.1f, returned units %.1f.',
                ins_revenue, ins_recency, ins_products, ins_basket, ins_returns
            ),
            'No Insiders under the current target.'
        ) as answer,
        cast(ins_revenue as double) as figure
    from means

    union all

    select
        4 as question_number,
        'What share of revenue comes from the Insiders?' as question,
        printf(
            '%.2f%% of revenue (%.0f of %.0f GBP).',
            100.0 * insiders_revenue / revenue, insiders_revenue, revenue
        ) as answer,
        cast(insiders_revenue / revenue as double) as figure
    from totals

    union all

    select
        5 as question_number,
        'What are the conditions for a customer to be eligible?' as question,
        printf(
            'Being assigned by the registered segmentation model to an Insiders cluster (%s): '
            || 'clusters are taken by mean revenue, highest first, until they hold %.0f%% of '
            || 'revenue, '
            || 'as long as the Insiders stay within %.0f%% of the customers. '
            || 'Insiders have revenue of at least %.0f GBP.',
            insider_clusters.clusters, 100 * target.share_target, 100 * target.max_customer_share,
            insider_clusters.min_revenue
        ) as answer,
        cast(target.share_target as double) as figure
    from insider_clusters cross join target

    union all

    select
        6 as question_number,
        'What actions can marketing take to increase revenue?' as question,
        'One action per cluster: ' || actions.text || '.' as answer,
        cast(actions.clusters as double) as figure
    from actions

),

final as (

    select
        question_number,
        question,
        answer,
        figure
    from answers

)

select * from final
order by question_number
