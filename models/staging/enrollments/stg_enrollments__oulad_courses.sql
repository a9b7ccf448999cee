{{ config(enabled=var('enrollments_source', 'institute') == 'oulad') }}

with courses as (

    select * from {{ ref('base_enrollments__oulad_courses') }}
    where reject_reason is null

),

final as (

    select
        -- ids
        module_code,
        presentation_code,

        -- numerics
        presentation_length_days,
        {{ oulad_presentation_to_periodo('presentation_code') }} as periodo,

        -- metadata
        source_row_number
    from courses

)

select * from final
