{#
    The enrollment calendar: every period from the first one in the data to the forecast period
    (var enrollment_horizon_periods periods after the latest), stepped by the source's cadence
    (macro enrollment_next_periodo: monthly for the institute, February/October presentations
    for OULAD). period_index orders periods, so "h periods earlier" is period_index - h.
#}

{%- set horizon = var('enrollment_horizon_periods') | int %}

with recursive enrollments as (

    select * from {{ ref('int_enrollment__enrollments') }}

),

observed as (

    select distinct periodo from enrollments

),

bounds as (

    select
        min(periodo) as first_periodo,
        max(periodo) as last_periodo
    from observed

),

-- periods_ahead counts the steps after the latest observed period (0 up to it)
calendar as (

    select
        first_periodo as periodo,
        0 as periods_ahead,
        0 as step
    from bounds

    union all

    select
        {{ enrollment_next_periodo('calendar.periodo') }} as periodo,
        case when calendar.periodo >= bounds.last_periodo then calendar.periods_ahead + 1 else 0 end
            as periods_ahead,
        calendar.step + 1 as step
    from calendar
    cross join bounds
    where (calendar.periodo < bounds.last_periodo or calendar.periods_ahead < {{ horizon }})
        and calendar.step < 10000

),

final as (

    select
        -- ids
        calendar.periodo,

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
