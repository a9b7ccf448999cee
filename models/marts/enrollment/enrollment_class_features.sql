{#
    Model input of the enrollment forecast: one row per target period and class, never per
    student. Every feature is known at the row's origin, the period `enrollment_horizon_periods`
    (h) earlier: for the forecast period the origin is the latest period in the data.

    Rows are the candidate classes known at the origin (is_candidate): classes that ran at the
    origin, classes students arrive at from h levels below (the reference's potential new
    classes) and classes that ran a year earlier; plus, for observed periods only, classes that
    ran without being a candidate (is_candidate false: no method can forecast them, so they
    count as forecast 0 in the backtest).
#}

{%- set horizon = var('enrollment_horizon_periods') | int %}

with periods as (

    select * from {{ ref('int_enrollment__periods') }}

),

class_periods as (

    select * from {{ ref('int_enrollment__class_periods') }}

),

course_levels as (

    select * from {{ ref('course_levels') }}

),

first_period as (

    select min(periodo) as first_periodo from periods
    where is_observed

),

-- target periods whose origin (h periods earlier) is observed: history and the forecast period
target_periods as (

    select
        target.periodo,
        target.period_index,
        target.is_observed,
        target.is_forecast_period,
        origin.periodo as origin_periodo,
        origin.period_index as origin_index
    from periods as target
    inner join periods as origin
        on origin.period_index = target.period_index - {{ horizon }}
    where origin.is_observed
        and (target.is_observed or target.is_forecast_period)

),

candidates as (

    -- the class ran at the origin
    select
        target_periods.periodo,
        class_periods.sede,
        class_periods.curso_actual,
        class_periods.horario_actual
    from target_periods
    inner join class_periods
        on target_periods.origin_periodo = class_periods.periodo

    union all

    -- students arrive from h levels below, same site and schedule (progression)
    select
        target_periods.periodo,
        class_periods.sede,
        next_level.curso_actual,
        class_periods.horario_actual
    from target_periods
    inner join class_periods
        on target_periods.origin_periodo = class_periods.periodo
    inner join course_levels as next_level
        on next_level.level_order = class_periods.level_order + {{ horizon }}

    union all

    -- the class ran a year earlier, a period already known at the origin (seasonality)
    select
        target_periods.periodo,
        class_periods.sede,
        class_periods.curso_actual,
        class_periods.horario_actual
    from target_periods
    inner join class_periods
        on class_periods.periodo = target_periods.periodo - 100
    where target_periods.periodo - 100 <= target_periods.origin_periodo

),

candidate_classes as (

    select distinct
        periodo,
        sede,
        curso_actual,
        horario_actual,
        true as is_candidate
    from candidates

),

unforeseen_classes as (

    select
        class_periods.periodo,
        class_periods.sede,
        class_periods.curso_actual,
        class_periods.horario_actual,
        false as is_candidate
    from class_periods
    inner join target_periods
        on class_periods.periodo = target_periods.periodo
    left join candidate_classes
        on class_periods.periodo = candidate_classes.periodo
            and class_periods.sede = candidate_classes.sede
            and class_periods.curso_actual = candidate_classes.curso_actual
            and class_periods.horario_actual = candidate_classes.horario_actual
    where candidate_classes.periodo is null

),

class_rows as (

    select * from candidate_classes
    union all
    select * from unforeseen_classes

),

site_periods as (

    select
        periodo,
        sede,
        {{ sum_integers('active_students') }} as active_students
    from class_periods
    group by periodo, sede

),

course_periods as (

    select
        periodo,
        curso_actual,
        {{ sum_integers('active_students') }} as active_students
    from class_periods
    group by periodo, curso_actual

),

-- courses that ran (at any site and schedule) in each period
courses_run as (

    select distinct
        periodo,
        curso_actual
    from class_periods

),

final as (

    select
        -- ids
        class_rows.periodo,
        class_rows.sede,
        class_rows.curso_actual,
        class_rows.horario_actual,

        -- periods
        target_periods.origin_periodo,
        target_periods.period_index,
        cast({{ horizon }} as integer) as horizon_periods,
        cast(class_rows.periodo % 100 as integer) as period_month,
        target_periods.is_forecast_period as is_forecast_row,
        class_rows.is_candidate,
        course_levels.level_order,

        -- same class at the origin
        coalesce(same_class.active_students, 0) as students_last_period,
        coalesce(same_class.withdrawn_students, 0) as withdrawn_last_period,
        -- progression: h levels below at the origin; null where no course order (OULAD) or no
        -- course that far below (the first levels)
        case
            when course_levels.level_order - {{ horizon }} >= 1
                then coalesce(level_below.active_students, 0)
        end as students_level_below_last_period,
        -- seasonality: the same period a year earlier; null when that period is not known at
        -- the origin (before the data starts, or a horizon longer than a year)
        case
            when class_rows.periodo - 100 >= first_period.first_periodo
                and class_rows.periodo - 100 <= target_periods.origin_periodo
                then coalesce(last_year.active_students, 0)
        end as students_last_year,
        -- whether the seasonal figure says anything: the course ran somewhere a year earlier
        -- (a course that did not run then has no seasonal history, rather than a 0); null
        -- when that period is not known at the origin
        case
            when class_rows.periodo - 100 >= first_period.first_periodo
                and class_rows.periodo - 100 <= target_periods.origin_periodo
                then course_last_year.curso_actual is not null
        end as course_ran_last_year,
        -- recent trend: the class one period before the origin; null before the data starts
        case
            when previous_period.is_observed then coalesce(previous_class.active_students, 0)
        end as students_two_periods_ago,
        coalesce(same_class.active_students, 0) - case
            when previous_period.is_observed then coalesce(previous_class.active_students, 0)
        end as students_trend,

        -- site and course totals at the origin
        coalesce(site_now.active_students, 0) as site_students_last_period,
        coalesce(course_now.active_students, 0) as course_students_last_period,
        case
            when site_before.active_students > 0
                then cast(site_now.active_students as double) / site_before.active_students
        end as site_trend_ratio,

        -- target: active (MATRICULADO) students; null for the forecast period
        case
            when target_periods.is_observed then coalesce(actual.active_students, 0)
        end as active_students,

        -- versions
        {{ enrollment_version_columns() }}
    from class_rows
    inner join target_periods
        on class_rows.periodo = target_periods.periodo
    cross join first_period
    left join course_levels
        on class_rows.curso_actual = course_levels.curso_actual
    left join periods as previous_period
        on previous_period.period_index = target_periods.origin_index - 1
    left join class_periods as actual
        on class_rows.periodo = actual.periodo
            and class_rows.sede = actual.sede
            and class_rows.curso_actual = actual.curso_actual
            and class_rows.horario_actual = actual.horario_actual
    left join class_periods as same_class
        on target_periods.origin_periodo = same_class.periodo
            and class_rows.sede = same_class.sede
            and class_rows.curso_actual = same_class.curso_actual
            and class_rows.horario_actual = same_class.horario_actual
    left join class_periods as previous_class
        on previous_period.periodo = previous_class.periodo
            and class_rows.sede = previous_class.sede
            and class_rows.curso_actual = previous_class.curso_actual
            and class_rows.horario_actual = previous_class.horario_actual
    left join class_periods as level_below
        on target_periods.origin_periodo = level_below.periodo
            and class_rows.sede = level_below.sede
            and level_below.level_order = course_levels.level_order - {{ horizon }}
            and class_rows.horario_actual = level_below.horario_actual
    left join courses_run as course_last_year
        on course_last_year.periodo = class_rows.periodo - 100
            and class_rows.curso_actual = course_last_year.curso_actual
    left join class_periods as last_year
        on last_year.periodo = class_rows.periodo - 100
            and class_rows.sede = last_year.sede
            and class_rows.curso_actual = last_year.curso_actual
            and class_rows.horario_actual = last_year.horario_actual
    left join site_periods as site_now
        on target_periods.origin_periodo = site_now.periodo
            and class_rows.sede = site_now.sede
    left join site_periods as site_before
        on previous_period.periodo = site_before.periodo
            and class_rows.sede = site_before.sede
    left join course_periods as course_now
        on target_periods.origin_periodo = course_now.periodo
            and class_rows.curso_actual = course_now.curso_actual

)

select * from final
