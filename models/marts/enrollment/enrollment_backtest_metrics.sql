{#
    Backtest metrics of the registered forecast model in use (the latest version of
    enrollment_class_size): the LightGBM model, the naive baselines and the ensemble that
    ships (method choice learnt on earlier origins, reconciled, with an interval), from the
    registry's evaluation JSON: one row per method and scope (overall, period, site, period
    and site).
#}

with registry as (

    select * from {{ ref('enrollment_model_versions') }}

),

latest as (

    select *
    from registry
    -- the forecast model (its naive baseline, enrollment_class_size_baseline, is compared with
    -- it in model_evaluation)
    where model_family != 'naive'
    qualify row_number() over (partition by model_name order by model_version desc) = 1

),

unnested as (

    select
        model_name,
        model_version,
        {{ json_text('metrics', '$.forecast_method') }} as forecast_method,
        {{ json_text('params', '$.features_version') }} as features_version,
        {{ json_text('params', '$.target_version') }} as target_version,
        {{ json_text('params', '$.experiment_name') }} as experiment_name,
        {{ unnest_evaluation('evaluation') }} as row
    from latest

),

pivoted as (

    select
        model_name,
        model_version,
        forecast_method,
        features_version,
        target_version,
        experiment_name,
        row.evaluation as evaluation,
        row.fold as fold,
        max(row.value) filter (where row.metric = 'rows') as classes,
        max(row.value) filter (where row.metric = 'actual_total') as actual_students,
        max(row.value) filter (where row.metric = 'forecast_total') as forecast_students,
        max(row.value) filter (where row.metric = 'mae') as mae,
        max(row.value) filter (where row.metric = 'wape') as wape,
        max(row.value) filter (where row.metric = 'bias') as bias,
        max(row.value) filter (where row.metric = 'interval_level') as interval_level,
        max(row.value) filter (where row.metric = 'interval_coverage') as interval_coverage,
        max(row.value) filter (where row.metric = 'interval_rows') as interval_rows,
        max(row.value) filter (where row.metric = 'interval_mean_width') as interval_mean_width
    from unnested
    where row.evaluation like 'backtest%'
    group by all

),

final as (

    select
        -- grain
        case when evaluation = 'backtest' then 'model' else substr(evaluation, 10) end as method,
        case
            when fold = 'overall' then 'overall'
            when fold like 'all|%' then 'site'
            when fold like '%|%' then 'period_site'
            else 'period'
        end as scope,
        case
            when fold != 'overall' and fold not like 'all|%'
                then cast(split_part(fold, '|', 1) as integer)
        end as periodo,
        case when fold like '%|%' then substr(fold, instr(fold, '|') + 1) end as sede,

        -- metrics (on rounded forecasts)
        cast(classes as integer) as classes,
        cast(actual_students as integer) as actual_students,
        cast(forecast_students as integer) as forecast_students,
        mae,
        wape,
        bias,

        -- the interval of the shipped forecaster (method ensemble): its nominal level, the
        -- share of actual class sizes that fell inside on periods its quantile never saw, the
        -- classes that share is measured on and the mean width in students
        interval_level,
        interval_coverage,
        cast(interval_rows as integer) as interval_rows,
        interval_mean_width,

        -- model
        (case when evaluation = 'backtest' then 'model' else substr(evaluation, 10) end)
        = forecast_method as is_forecast_method,
        model_name,
        model_version,
        features_version,
        target_version,
        experiment_name
    from pivoted

)

select * from final
