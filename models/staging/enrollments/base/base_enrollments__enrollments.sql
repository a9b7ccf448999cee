{{ config(enabled=var('enrollments_source', 'institute') == 'institute') }}
-- depends_on: {{ ref('raw_file_audit') }}
{# Every raw institute enrollment row, typed, with the reason it cannot be staged. #}

with numbered as (

    {{ numbered_raw_rows('enrollments', 'enrollments') }}

),

parsed as (

    select
        -- ids
        source_row_number,
        {{ clean_text('"ID_ESTUDIANTE"') }} as student_id,

        -- strings
        {{ clean_text('"SEDE"') }} as sede,
        {{ clean_text('"CURSO_ACTUAL"') }} as curso_actual,
        {{ clean_text('"HORARIO_ACTUAL"') }} as horario_actual,
        upper({{ clean_text('"ESTADO"') }}) as estado,

        -- numerics
        {{ parse_as('"PERIODO"', 'integer') }} as periodo,

        -- checks
        raw_record
    from numbered

),

keyed as (

    select
        *,
        substr(md5(concat_ws('|', periodo, sede, curso_actual, horario_actual, student_id)), 1, 16)
            as enrollment_id,
        row_number() over (
            partition by periodo, sede, curso_actual, horario_actual, student_id
            order by source_row_number
        ) as key_rank
    from parsed

),

final as (

    select
        *,
        {{ reject_reason([
            ("periodo is null", "missing_or_unparseable_periodo"),
            ("periodo % 100 not between 1 and 12 or periodo < 190001", "invalid_periodo"),
            ("student_id is null", "missing_student_id"),
            ("sede is null or curso_actual is null or horario_actual is null", "missing_class_key"),
            ("coalesce(estado not in ('MATRICULADO', 'RETIRADO'), true)", "unknown_estado"),
            ("key_rank > 1", "duplicate_key"),
        ]) }} as reject_reason
    from keyed

)

select * from final
