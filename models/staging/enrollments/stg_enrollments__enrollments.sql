{{ config(enabled=var('enrollments_source', 'institute') == 'institute') }}

with enrollments as (

    select * from {{ ref('base_enrollments__enrollments') }}
    where reject_reason is null

),

final as (

    select
        -- ids
        enrollment_id,
        student_id,

        -- strings
        sede,
        curso_actual,
        horario_actual,
        estado,

        -- booleans
        estado = 'RETIRADO' as is_withdrawn,

        -- numerics
        periodo,

        -- dates
        make_date({{ int_div('periodo', 100) }}, periodo % 100, 1) as period_start_date,

        -- metadata
        'institute' as source_system,
        source_row_number
    from enrollments

)

select * from final
