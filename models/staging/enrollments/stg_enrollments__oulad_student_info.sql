{{ config(enabled=var('enrollments_source', 'institute') == 'oulad') }}

with student_info as (

    select * from {{ ref('base_enrollments__oulad_student_info') }}
    where reject_reason is null

),

final as (

    select
        -- ids
        module_code,
        presentation_code,
        student_id,

        -- strings
        gender,
        region,
        highest_education,
        imd_band,
        age_band,
        final_result,

        -- booleans
        has_disability,

        -- numerics
        previous_attempts,
        studied_credits,

        -- metadata
        source_row_number
    from student_info

)

select * from final
