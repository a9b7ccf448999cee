{#- Every candidate of the latest registered `insiders_segments` version: space (original /
    tree), family (kmeans / gmm), k, silhouette, WCSS, BIC (mixtures), and the chosen one. -#}

with versions as (

    select * from {{ ref('ecommerce_model_versions') }}
    qualify row_number() over (partition by model_name order by model_version desc) = 1

),

unnested as (

    select
        model_name,
        model_version,
        model_family as chosen_family,
        {{ json_text('metrics', '$.selection.space') }} as chosen_space,
        {{ json_value('metrics', '$.selection.k', 'integer') }} as chosen_k,
        {{ unnest_evaluation('evaluation') }} as row
    from versions

),

pivoted as (

    select
        model_name,
        model_version,
        any_value(chosen_space) as chosen_space,
        any_value(chosen_family) as chosen_family,
        any_value(chosen_k) as chosen_k,
        split_part(row.fold, '_', 1) as space,
        split_part(row.fold, '_', 2) as family,
        cast(replace(split_part(row.fold, '_', 3), 'k', '') as integer) as k,
        max(row.value) filter (where row.metric = 'silhouette') as silhouette,
        max(row.value) filter (where row.metric = 'wcss') as wcss,
        max(row.value) filter (where row.metric = 'revenue_separation') as revenue_separation,
        max(row.value) filter (where row.metric = 'bic') as bic
    from unnested
    where row.evaluation = 'selection'
    group by all

),

final as (

    select
        -- ids
        model_name,
        model_version,
        space,
        family,
        k,

        -- metrics
        silhouette,
        wcss,
        revenue_separation,
        bic,

        -- choice
        space = chosen_space and family = chosen_family and k = chosen_k as is_chosen,
        rank() over (
            partition by space, family order by silhouette desc nulls last, k asc
        ) = 1 as is_best_of_space_family
    from pivoted

)

select * from final
order by space, family, k
