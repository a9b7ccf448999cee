{{ config(enabled=var('enrollments_source', 'institute') == 'oulad') }}
-- depends_on: {{ ref('raw_file_audit') }}
{# Every raw OULAD student-info row, typed, with the reason it cannot be staged. #}

with numbered as (

    {{ numbered_raw_rows('enrollments', 'oulad_student_info') }}

),

parsed as (

    select
        source_row_number,
        {{ clean_text('code_module') }} as module_code,
        {{ clean_text('code_presentation') }} as presentation_code,
        {{ clean_text('id_student') }} as student_id,
        {{ clean_text('gender') }} as gender,
        {{ clean_text('region') }} as region,
        {{ clean_text('highest_education') }} as highest_education,
        {{ clean_text('imd_band') }} as imd_band,
        {{ clean_text('age_band') }} as age_band,
        {{ parse_as('num_of_prev_attempts', 'integer') }} as previous_attempts,
        {{ parse_as('studied_credits', 'integer') }} as studied_credits,
        {{ clean_text('disability') }} = 'Y' as has_disability,
        {{ clean_text('final_result') }} as final_result,
        {{ fails_parse('num_of_prev_attempts', 'integer') }}
        or {{ fails_parse('studied_credits', 'integer') }} as number_unparseable,
        row_number() over (
            partition by
                {{ clean_text('code_module') }}, {{ clean_text('code_presentation') }},
                {{ clean_text('id_student') }}
            order by raw_record, source_row_number
        ) as key_rank,
        raw_record
    from numbered

),

final as (

    select
        *,
        {{ reject_reason([
            ("module_code is null or presentation_code is null or student_id is null", "missing_key"),
            ("region is null", "missing_region"),
            ("number_unparseable", "unparseable_number"),
            ("key_rank > 1", "duplicate_key"),
        ]) }} as reject_reason
    from parsed

)

select * from final
