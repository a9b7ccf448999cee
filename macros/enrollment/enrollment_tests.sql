{#- Exactly one default row (sede and curso_actual both empty) in a minimum-size seed; returns
    one row with the count otherwise. -#}
{% test enrollment_has_one_default_row(model) %}

select count(*) as default_rows
from {{ model }}
where sede is null and curso_actual is null
having count(*) != 1

{% endtest %}


{#- The forecaster must beat the best naive baseline by var enrollment_baseline_margin (0 =
    never worse): returns the latest registered version of the forecast model when the
    backtest WAPE of its forecaster (the ensemble; the LightGBM model for versions before it)
    exceeds the best naive WAPE minus the margin. Its severity is `warn` unless var
    enrollment_fail_if_worse_than_naive is true (then the build fails and the forecast
    downstream is not refreshed). -#}
{% test enrollment_beats_naive(model) %}

with latest as (
    select *
    from {{ model }}
    where {{ json_has('metrics', '$.best_naive') }} and model_family != 'naive'
    qualify row_number() over (partition by model_name order by model_version desc) = 1
),

figures as (
    select
        model_name,
        model_version,
        coalesce(
            {{ json_value('metrics', '$.backtest_ensemble.wape', 'double') }},
            {{ json_value('metrics', '$.backtest.wape', 'double') }}
        ) as model_wape,
        {{ json_value('metrics', '$.best_naive.wape', 'double') }} as best_naive_wape,
        {{ json_text('metrics', '$.best_naive.method') }} as best_naive_method
    from latest
)

select *
from figures
where model_wape > best_naive_wape - {{ var('enrollment_baseline_margin', 0) }}

{% endtest %}


{#- Every class (sede, curso_actual, horario_actual) that ran in compare_model's latest period
    has a row in the model: every class of the latest observed period gets a forecast. -#}
{% test enrollment_covers_latest_classes(model, compare_model) %}

with latest_classes as (
    select distinct sede, curso_actual, horario_actual
    from {{ compare_model }}
    where periodo = (select max(periodo) from {{ compare_model }})
),

forecast as (
    select distinct sede, curso_actual, horario_actual
    from {{ model }}
)

select latest_classes.*
from latest_classes
left join forecast
    on latest_classes.sede = forecast.sede
    and latest_classes.curso_actual = forecast.curso_actual
    and latest_classes.horario_actual = forecast.horario_actual
where forecast.sede is null

{% endtest %}


{#- The latest run of enrollment_run_versions changed an upstream version without the ones that
    depend on it; the run's post-hook logs which var to bump. -#}
{% test enrollment_versions_consistent(model) %}

select dbt_invocation_id, run_started_at, version_warning
from {{ model }}
where version_warning is not null
    and run_started_at = (select max(run_started_at) from {{ model }})

{% endtest %}


{#- Every backtest period has metrics: the last N labelled periods of the features (N = the
    registered version's backtest_periods) that the backtest did not skip (its metrics list
    the skipped ones with why) must each have a model row of scope `period` in the model. A
    version reused from an earlier build (retrain_policy never, or unchanged data) was
    backtested on the periods of its own training data: its last N are counted up to the
    latest period its backtest reports or skips, not up to the newer features. -#}
{% test enrollment_backtest_covers_periods(model, features, registry) %}

with latest as (
    select metrics, params, trained_at >= cast('{{ run_started_at }}' as timestamp) as is_new
    from {{ registry }}
    where model_family != 'naive'
    qualify row_number() over (partition by model_name order by model_version desc) = 1
),

skipped as (
    select {{ unnest_json_keys(json_at('metrics', "'$.backtest_skipped'")) }} as periodo
    from latest
),

reported as (
    select distinct periodo
    from {{ model }}
    where method = 'model' and scope = 'period'
),

-- the latest period the version's training data held
cutoff as (
    select
        case
            when max(latest.is_new) then (select max(periodo) from {{ features }})
            else greatest(
                (select max(periodo) from reported),
                (select max(cast(periodo as integer)) from skipped)
            )
        end as periodo
    from latest
),

labelled_periods as (
    select distinct features.periodo
    from {{ features }} as features
    cross join cutoff
    where features.active_students is not null and features.periodo <= cutoff.periodo
),

expected as (
    select labelled_periods.periodo
    from labelled_periods
    cross join latest
    qualify row_number() over (order by labelled_periods.periodo desc)
        <= {{ json_value('latest.params', '$.backtest_periods', 'integer') }}
)

select expected.periodo as missing_backtest_periodo
from expected
where cast(expected.periodo as string) not in (select periodo from skipped)
    and expected.periodo not in (select periodo from reported)

{% endtest %}
