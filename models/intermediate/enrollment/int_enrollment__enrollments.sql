{#
    The enrollment contract every downstream enrollment model reads: one row per student
    enrollment per period and class (periodo, sede, curso_actual, horario_actual). It comes
    from the language institute's extract or, with `enrollments_source: oulad`, from the Open
    University data mapped as period = presentation (2013B -> 201302, 2013J -> 201310),
    site = the student's region, course = module, schedule = one value (distance learning).
#}

{%- if var('enrollments_source', 'institute') == 'oulad' %}

with registrations as (

    select * from {{ ref('stg_enrollments__oulad_registrations') }}

),

student_info as (

    select * from {{ ref('stg_enrollments__oulad_student_info') }}

),

final as (

    select
        -- ids
        substr(md5(concat_ws(
            '|', registrations.module_code, registrations.presentation_code,
            registrations.student_id
        )), 1, 16) as enrollment_id,
        registrations.student_id,

        -- strings
        coalesce(student_info.region, 'Unknown region') as sede,
        registrations.module_code as curso_actual,
        '{{ var("oulad_schedule_label", "DISTANCE") }}' as horario_actual,
        case when registrations.is_withdrawn then 'RETIRADO' else 'MATRICULADO' end as estado,

        -- booleans
        registrations.is_withdrawn,

        -- numerics
        {{ oulad_presentation_to_periodo('registrations.presentation_code') }} as periodo,

        -- dates
        make_date(
            {{ int_div(oulad_presentation_to_periodo('registrations.presentation_code'), 100) }},
            {{ oulad_presentation_to_periodo('registrations.presentation_code') }} % 100,
            1
        ) as period_start_date,

        -- metadata
        'oulad' as source_system
    from registrations
    left join student_info
        on registrations.module_code = student_info.module_code
            and registrations.presentation_code = student_info.presentation_code
            and registrations.student_id = student_info.student_id

)

{%- else %}

with enrollments as (

    select * from {{ ref('stg_enrollments__enrollments') }}

),

final as (

    select
        enrollment_id,
        student_id,
        sede,
        curso_actual,
        horario_actual,
        estado,
        is_withdrawn,
        periodo,
        period_start_date,
        source_system
    from enrollments

)

{%- endif %}

select * from final
