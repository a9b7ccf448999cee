{{ config(enabled=var('enrollments_source', 'institute') == 'oulad') }}
-- depends_on: {{ ref('raw_file_audit') }}
{# Every raw OULAD course presentation, typed, with the reason it cannot be staged. #}

with numbered as (

    {{ numbered_raw_rows('enrollments', 'oulad_courses') }}

),

parsed as (

    select
        source_row_number,
        {{ clean_text('code_module') }} as module_code,
        {{ clean_text('code_presentation') }} as presentation_code,
        {{ parse_as('module_presentation_length', 'integer') }} as presentation_length_days,
        row_number() over (
            partition by {{ clean_text('code_module') }}, {{ clean_text('code_presentation') }}
            order by raw_record, source_row_number
        ) as key_rank,
        raw_record
    from numbered

),

final as (

    select
        *,
        {{ reject_reason([
            ("module_code is null or presentation_code is null", "missing_key"),
            ("not " ~ regex_full_match('presentation_code', '[0-9]{4}[BJ]'), "invalid_presentation_code"),
            ("presentation_length_days is null", "missing_or_unparseable_length"),
            ("key_rank > 1", "duplicate_key"),
        ]) }} as reject_reason
    from parsed

)

select * from final
