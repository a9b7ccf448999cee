{{ config(materialized='view') }}
{#
    The enrollment forecast's slices (ml.model_slice_metrics): its rolling backtest per site,
    against the backtest overall, for every registered forecast version. The registry keeps the
    backtest aggregated (evaluation folds `overall` and `all|<site>`, the rows of
    enrollment.enrollment_backtest_metrics with scope `site`), not per class, so the forecast is
    sliced by site only; a slice by course level would need per-class backtest rows.

    The evaluation read is the method the version ships: `backtest` (the model),
    `backtest_<method>` (the ensemble, a naive method), or for the naive baseline version its
    best naive method.
#}

with versions as (

    select
        model_name,
        model_version,
        domain,
        coalesce(
            {{ json_text('metrics', '$.forecast_method') }},
            {{ json_text('metrics', '$.best_naive.method') }}
        ) as forecast_method,
        evaluation
    from {{ ref('enrollment_model_versions') }}

),

evaluation_rows as (

    select
        model_name,
        model_version,
        domain,
        case
            when forecast_method = 'model' then 'backtest' else 'backtest_' || forecast_method
        end as shipped_evaluation,
        {{ unnest_evaluation('evaluation') }} as row
    from versions
    where forecast_method is not null

),

folds as (

    select
        model_name,
        model_version,
        domain,
        row.evaluation as evaluation,
        row.fold as fold,
        max(case when row.metric = 'rows' then row.value end) as classes,
        max(case when row.metric = 'wape' then row.value end) as wape
    from evaluation_rows
    where row.evaluation = shipped_evaluation
        and (row.fold = 'overall' or row.fold like 'all|%')
    group by 1, 2, 3, 4, 5

),

sites as (

    select * from folds
    where fold like 'all|%'

),

overall as (

    select * from folds
    where fold = 'overall'

),

attributes as (

    select * from {{ ref('slice_attributes') }}
    where domain = 'enrollment' and slice_attribute = 'site'

),

final as (

    select
        -- ids
        sites.model_name || '@v' || cast(sites.model_version as string) as model_version_id,
        sites.model_name,
        cast(sites.model_version as bigint) as model_version,
        sites.domain,

        -- the slice
        attributes.slice_attribute,
        'at ' || substr(sites.fold, 5) as slice_group,
        sites.evaluation,

        -- the backtest at the site and overall
        cast(sites.classes as bigint) as classes,
        cast(sites.wape as double) as wape,
        cast(overall.classes as bigint) as overall_classes,
        cast(overall.wape as double) as overall_wape
    from sites
    inner join overall
        on sites.model_name = overall.model_name
            and sites.model_version = overall.model_version
    inner join attributes
        on sites.domain = attributes.domain

)

select * from final
