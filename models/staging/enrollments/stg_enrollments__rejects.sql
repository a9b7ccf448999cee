{# Raw enrollment rows that could not be staged, with the reason and the raw row as JSON. #}

{%- if var('enrollments_source', 'institute') == 'oulad' %}
    {%- set tables = [
        ('oulad_registrations', ref('base_enrollments__oulad_registrations')),
        ('oulad_courses', ref('base_enrollments__oulad_courses')),
        ('oulad_student_info', ref('base_enrollments__oulad_student_info')),
    ] %}
{%- else %}
    {%- set tables = [('enrollments', ref('base_enrollments__enrollments'))] %}
{%- endif %}

with final as (

    {%- for table_name, relation in tables %}
    select
        '{{ table_name }}' as source_table,
        source_row_number,
        reject_reason,
        raw_record
    from {{ relation }}
    where reject_reason is not null
    {{ "union all" if not loop.last }}
    {%- endfor %}

)

select * from final
