{{ config(enabled=var('enrollments_source', 'institute') == 'oulad') }}
-- depends_on: {{ ref('raw_file_audit') }}
{# Every raw OULAD registration row, typed, with the reason it cannot be staged. #}

with numbered as (

    {{ numbered_raw_rows('enrollments', 'oulad_registrations') }}

),

parsed as (

    select
        source_row_number,
        {{ clean_text('code_module') }} as module_code,
        {{ clean_text('code_presentation') }} as presentation_code,
        {{ clean_text('id_student') }} as student_id,
        {{ parse_as('date_registration', 'integer') }} as registration_day,
        {{ parse_as('date_unregistration', 'integer') }} as unregistration_day,
        {{ fails_parse('date_registration', 'integer') }} as registration_day_unparseable,
        {{ fails_parse('date_unregistration', 'integer') }} as unregistration_day_unparseable,
        raw_record
    from numbered

),

keyed as (

    select
        *,
        row_number() over (
            partition by module_code, presentation_code, student_id
            order by raw_record, source_row_number
        ) as key_rank
    from parsed

),

final as (

    select
        *,
        {{ reject_reason([
            ("module_code is null or presentation_code is null or student_id is null", "missing_key"),
            ("not " ~ regex_full_match('presentation_code', '[0-9]{4}[BJ]'), "invalid_presentation_code"),
            ("registration_day_unparseable", "unparseable_date_registration"),
            ("unregistration_day_unparseable", "unparseable_date_unregistration"),
            ("key_rank > 1", "duplicate_key"),
        ]) }} as reject_reason
    from keyed

)

select * from final
