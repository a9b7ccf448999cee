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
        {{ clean_text(adapter.quote('ID_ESTUDIANTE')) }} as student_id,

        -- strings
        {{ clean_text(adapter.quote('SEDE')) }} as sede,
        {{ clean_text(adapter.quote('CURSO_ACTUAL')) }} as curso_actual,
        {{ clean_text(adapter.quote('HORARIO_ACTUAL')) }} as horario_actual,
        upper({{ clean_text(adapter.quote('ESTADO')) }}) as estado,

        -- numerics
        {{ parse_as(adapter.quote('PERIODO'), 'integer') }} as periodo,

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
            order by raw_record, source_row_number
        ) as key_rank
    from parsed

),

-- the period as a date, for the plausibility window (valid months only)
dated as (

    select
        *,
        case
            when periodo % 100 between 1 and 12 and periodo between 100001 and 999912
                then make_date(
                        cast({{ int_div('periodo', 100) }} as integer),
                        cast(periodo % 100 as integer),
                        1
                    )
        end as period_start
    from keyed

),

bounds as (

    {{ plausible_date_bounds('dated', ['period_start']) }}

),

-- rows per period, to spot a period that holds only a few stray rows
period_sizes as (

    select
        periodo as sized_periodo,
        count(*) as period_rows
    from dated
    where period_start is not null
    group by periodo

),

typical_size as (

    select {{ median('period_rows') }} as median_period_rows from period_sizes

),

final as (

    select
        dated.*,
        {{ reject_reason([
            ("periodo is null", "missing_or_unparseable_periodo"),
            ("period_start is null or periodo < 190001", "invalid_periodo"),
            (outside_bounds('period_start'), "implausible_periodo"),
            ("period_sizes.period_rows < " ~ var('enrollments_min_period_share')
                ~ " * typical_size.median_period_rows", "sparse_periodo"),
            ("student_id is null", "missing_student_id"),
            ("sede is null or curso_actual is null or horario_actual is null", "missing_class_key"),
            ("coalesce(estado not in ('MATRICULADO', 'RETIRADO'), true)", "unknown_estado"),
            ("key_rank > 1", "duplicate_key"),
        ] + as_of_cut_rules('enrollments', 'period_start')) }} as reject_reason
    from dated
    cross join bounds
    cross join typical_size
    left join period_sizes
        on dated.periodo = period_sizes.sized_periodo

)

select * from final
