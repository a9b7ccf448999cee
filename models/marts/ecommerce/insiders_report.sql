{#- The six business questions of the Insiders write-up (reference 004), answered from the
    data: one row each, money and counts as people read them ('£8.4m of £10.1m', '2,202').
    `figure` is the headline number of the answer. analyses/ecommerce/insiders_answers.sql
    reproduces each from customer_segments. -#}

{%- set cur = sql_literal(var('ecommerce_currency')) %}
{#- the qualification of a cluster member, in words, as the vars set it -#}
{%- set floor = var('ecommerce_insiders_min_net_revenue') %}
{%- set rules = [] %}
{%- if not var('ecommerce_insiders_include_unidentified') %}
{%- do rules.append('a customer id') %}
{%- endif %}
{%- if floor is not none and floor | string | trim != '' %}
{%- do rules.append('revenue net of returns above ' ~ var('ecommerce_currency') ~ floor) %}
{%- endif %}
{%- set qualifier = rules | join(' and ') %}

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
        count(*) filter (where in_insiders_cluster) as cluster_members,
        count(*) filter (where insider_exclusion_reason = 'no customer id') as unidentified,
        count(*) filter (
            where insider_exclusion_reason is not null
            and insider_exclusion_reason != 'no customer id'
        ) as low_net_revenue,
        cast(sum(revenue) as double) as revenue,
        cast(coalesce(sum(revenue) filter (where is_insider), 0) as double) as insiders_revenue
    from segments

),

means as (

    select
        -- DECIMAL amounts as doubles: Spark averages and formats a DECIMAL differently
        cast(avg(revenue) filter (where is_insider) as double) as ins_revenue,
        cast(avg(revenue) filter (where not is_insider) as double) as non_revenue,
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

mean_sentences as (

    select
        ins_revenue,
        non_revenue,
        'Insiders vs the others, on average: revenue '
        || {{ money_text('ins_revenue', cur) }} || ' vs ' || {{ money_text('non_revenue', cur) }}
        || printf(
            '; last purchase %.0f vs %.0f days ago; %.0f vs %.0f distinct products; '
            || '%.0f vs %.0f units per order; %.1f vs %.1f units returned.',
            ins_recency, non_recency, ins_products, non_products,
            ins_basket, non_basket, ins_returns, non_returns
        ) as comparison,
        'Every customer is an Insider under the current target (no comparison group); on '
        || 'average: revenue ' || {{ money_text('ins_revenue', cur) }}
        || printf(
            ', last purchase %.0f days ago, %.0f distinct products, %.0f units per order, '
            || '%.1f units returned.',
            ins_recency, ins_products, ins_basket, ins_returns
        ) as insiders_only
    from means

),

insider_clusters as (

    select
        {{ ordered_string_agg("printf('%d (%s)', cluster, cluster_name)", ', ', 'cluster') }}
            as clusters,
        count(*) as cluster_count
    from profiles
    where is_insiders_cluster

),

insider_floor as (

    select cast(min(revenue) as double) as min_revenue
    from segments
    where is_insider

),

cluster_actions as (

    select
        cluster,
        printf('cluster %d (%s, ', cluster, cluster_name)
        || {{ thousands('customers') }} || ' customers, '
        || {{ percent_text('revenue_share') }} || ' of revenue): '
        || lower(substr(action, 1, 1)) || substr(action, 2) as action_text
    from profiles

),

actions as (

    select
        {{ ordered_string_agg('action_text', '; ', 'cluster') }} as text,
        count(*) as clusters
    from cluster_actions

),

target as (

    select
        any_value(insiders_revenue_share_target) as share_target,
        any_value(insiders_max_customer_share) as max_customer_share
    from {{ ref('ecommerce_segment_assignments') }}

),

left_out as (

    -- who of the Insiders clusters is left out, and why (empty when nobody is)
    select
        case
            when unidentified = 0 and low_net_revenue = 0 then ''
            else ' Left out of ' || {{ thousands('cluster_members') }} || ' cluster members: '
                || case
                    when unidentified > 0
                        then {{ thousands('unidentified') }} || ' without a customer id'
                    else ''
                end
                || case when unidentified > 0 and low_net_revenue > 0 then ' and ' else '' end
                || case
                    when low_net_revenue > 0
                        then {{ thousands('low_net_revenue') }}
                            || ' whose returns cancel their purchases'
                    else ''
                end
                || '.'
        end as text
    from totals

),

answers as (

    select
        1 as question_number,
        'Who are the people eligible for the Insiders programme?' as question,
        'The ' || {{ thousands('totals.insiders') }} || ' customers of cluster'
        || case when insider_clusters.cluster_count > 1 then 's ' else ' ' end
        || insider_clusters.clusters
        {%- if qualifier %}
        || {{ sql_literal(' with ' ~ qualifier) }}
        {%- endif %}
        || '; the list is ecommerce.customer_segments where is_insider.' || left_out.text
            as answer,
        cast(totals.insiders as double) as figure
    from totals cross join insider_clusters cross join left_out

    union all

    select
        2 as question_number,
        'How many customers will be part of the group?' as question,
        {{ thousands('insiders') }} || ' customers, '
        || {{ percent_text('cast(insiders as double) / customers') }} || ' of the '
        || {{ thousands('customers') }} || ' customers with purchases.' as answer,
        cast(insiders as double) as figure
    from totals

    union all

    select
        3 as question_number,
        'What are the main characteristics of these customers?' as question,
        -- printf of a null is null on DuckDB but prints 'null' on Spark: choose the sentence
        case
            when ins_revenue is not null and non_revenue is not null then comparison
            when ins_revenue is not null then insiders_only
            else 'No Insiders under the current target.'
        end as answer,
        cast(ins_revenue as double) as figure
    from mean_sentences

    union all

    select
        4 as question_number,
        'What share of revenue comes from the Insiders?' as question,
        {{ percent_text('insiders_revenue / revenue') }} || ' of revenue ('
        || {{ money_text('insiders_revenue', cur) }} || ' of '
        || {{ money_text('revenue', cur) }} || ').' as answer,
        insiders_revenue / revenue as figure
    from totals

    union all

    select
        5 as question_number,
        'What are the conditions for a customer to be eligible?' as question,
        'Being assigned by the registered segmentation model to an Insiders cluster ('
        || insider_clusters.clusters || '): clusters are taken by mean revenue, highest first, '
        || 'until they hold ' || {{ percent_text('target.share_target') }} || ' of revenue, as '
        || 'long as the Insiders stay within ' || {{ percent_text('target.max_customer_share') }}
        || ' of the customers'
        {%- if qualifier %}
        || {{ sql_literal('; and, for each customer, ' ~ qualifier
            ~ ' (vars ecommerce_insiders_include_unidentified, ecommerce_insiders_min_net_revenue)') }}
        {%- endif %}
        || '. The smallest Insider spent '
        || {{ money_text('insider_floor.min_revenue', cur) }} || '.' as answer,
        cast(target.share_target as double) as figure
    from insider_clusters cross join target cross join insider_floor

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
