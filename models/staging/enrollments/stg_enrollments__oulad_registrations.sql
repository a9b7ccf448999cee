{{ config(enabled=var('enrollments_source', 'institute') == 'oulad') }}

with registrations as (

    select * from {{ ref('base_enrollments__oulad_registrations') }}
    where reject_reason is null

),

final as (

    select
        -- ids
        module_code,
        presentation_code,
        student_id,

        -- numerics
        registration_day,
        unregistration_day,

        -- booleans
        unregistration_day is not null as is_withdrawn,

        -- metadata
        source_row_number
    from registrations

)

select * from final
