{#
    Class sizes: one row per period and class (sede, curso_actual, horario_actual) that had any
    enrollment. The target and every lag feature count active students, i.e. distinct students
    with estado MATRICULADO: a RETIRADO student withdrew during the period and does not fill a
    seat, so withdrawals are counted apart (withdrawn_students) and never in class size.
#}

with enrollments as (

    select * from {{ ref('int_enrollment__enrollments') }}

),

periods as (

    select * from {{ ref('int_enrollment__periods') }}

),

course_levels as (

    select * from {{ ref('course_levels') }}

),

class_counts as (

    select
        periodo,
        sede,
        curso_actual,
        horario_actual,
        count(distinct student_id) filter (where estado = 'MATRICULADO') as active_students,
        count(distinct student_id) filter (where estado = 'RETIRADO') as withdrawn_students,
        count(*) as enrollments
    from enrollments
    group by periodo, sede, curso_actual, horario_actual

),

final as (

    select
        -- ids
        class_counts.periodo,
        class_counts.sede,
        class_counts.curso_actual,
        class_counts.horario_actual,

        -- attributes
        periods.period_index,
        course_levels.level_order,

        -- counts
        cast(class_counts.active_students as integer) as active_students,
        cast(class_counts.withdrawn_students as integer) as withdrawn_students,
        cast(class_counts.enrollments as integer) as enrollments
    from class_counts
    inner join periods
        on class_counts.periodo = periods.periodo
    left join course_levels
        on class_counts.curso_actual = course_levels.curso_actual

)

select * from final
