{#
    The enrollment calendar: every period from the first one in the data to the forecast period
    (var enrollment_horizon_periods periods after the latest), stepped by the source's cadence
    (macros enrollment_period_number / enrollment_periodo_at: monthly for the institute,
    February/October presentations for OULAD). period_index orders periods, so "h periods
    earlier" is period_index - h.
#}

{%- set horizon = var('enrollment_horizon_periods') | int %}

with enrollments as (

    select * from {{ ref('int_enrollment__enrollments') }}

),

observed as (

    select distinct periodo from enrollments

),

bounds as (

    select
        min(periodo) as first_periodo,
        max(periodo) as last_periodo,
        {{ enrollment_period_number('min(periodo)') }} as first_number,
        {{ enrollment_period_number('max(periodo)') }} as last_number
    from observed

),

-- step counts the periods after the first one; periods_ahead those after the latest observed
-- (0 up to it); at most 10000 steps
calendar as (

    select
        {{ enrollment_periodo_at('bounds.first_number + steps.n') }} as periodo,
        greatest(steps.n - (bounds.last_number - bounds.first_number), 0) as periods_ahead
    from bounds
    cross join {{ integer_series(10000) }} as steps
    where steps.n <= bounds.last_number - bounds.first_number + {{ horizon }}

),

final as (

    select
        -- ids
        cast(calendar.periodo as integer) as periodo,

        -- numerics
        cast(row_number() over (order by calendar.periodo) as integer) as period_index,
        cast(calendar.periods_ahead as integer) as periods_ahead,

        -- booleans
        observed.periodo is not null as is_observed,
        calendar.periods_ahead = {{ horizon }} as is_forecast_period
    from calendar
    left join observed
        on calendar.periodo = observed.periodo

)

select * from final
