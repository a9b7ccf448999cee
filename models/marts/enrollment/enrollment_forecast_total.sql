{#
    The forecast of all classes together with a range that is a range for the total (summing
    the classes' 80% ranges is not one: their errors partly cancel). Split conformal at the
    total's level when the backtest has enough periods: the scores |actual - forecast| /
    sqrt(forecast + 1) of the total in each backtest period of the method that ships, their
    ceil((n + 1) level)-th smallest as q, the range forecast +- q sqrt(forecast + 1) (the
    classes' own rule, revenue_ml.ml.forecast). With too few periods for the level (n + 1 <
    1 / (1 - level), e.g. the two OULAD origins), the largest relative error of the past
    totals is applied to this one (an empirical range, not an 80% one), and `interval_method`
    says so.
#}

{%- set level = var('enrollment_interval_level') | float %}

with forecast as (

    select * from {{ ref('enrollment_forecast') }}

),

backtest as (

    select * from {{ ref('enrollment_backtest_metrics') }}
    where scope = 'period' and is_forecast_method

),

scored as (

    select
        periodo,
        actual_students,
        forecast_students,
        abs(actual_students - forecast_students) / sqrt(forecast_students + 1.0) as score,
        row_number() over (
            order by
                abs(actual_students - forecast_students) / sqrt(forecast_students + 1.0),
                periodo
        ) as score_rank,
        count(*) over () as periods
    from backtest

),

conformal as (

    -- the ceil((n + 1) level)-th smallest score; no row when n is too small for the level
    select
        score as q,
        periods
    from scored
    where score_rank = cast(ceil((periods + 1) * {{ level }}) as bigint)

),

past as (

    select
        count(*) as backtest_periods,
        avg(abs(actual_students - forecast_students)) as backtest_mean_abs_error,
        max(abs(actual_students - forecast_students) / nullif(forecast_students, 0))
            as largest_relative_error
    from backtest

),

totals as (

    select
        periodo,
        count(*) as classes,
        sum(predict_alumnos) as predict_alumnos,
        max(interval_level) as interval_level
    from forecast
    group by periodo

),

final as (

    select
        -- grain
        totals.periodo,

        -- forecast
        cast(totals.classes as bigint) as classes,
        cast(totals.predict_alumnos as bigint) as predict_alumnos,
        cast(greatest(0, round(
            totals.predict_alumnos - case
                when conformal.q is not null
                    then conformal.q * sqrt(totals.predict_alumnos + 1.0)
                else past.largest_relative_error * totals.predict_alumnos
            end
        )) as bigint) as predicted_students_low,
        cast(round(
            totals.predict_alumnos + case
                when conformal.q is not null
                    then conformal.q * sqrt(totals.predict_alumnos + 1.0)
                else past.largest_relative_error * totals.predict_alumnos
            end
        ) as bigint) as predicted_students_high,
        totals.interval_level,
        case
            when conformal.q is not null then 'conformal on the past totals'
            when past.largest_relative_error is not null
                then 'largest past error (too few past periods)'
        end as interval_method,

        -- evidence
        cast(past.backtest_periods as bigint) as backtest_periods,
        past.backtest_mean_abs_error
    from totals
    cross join past
    left join conformal
        on true

)

select * from final
