{#
    Nothing lost, in one table: for every raw file the build read, how many data rows it had,
    how many were staged and how many were rejected (by reason in `rejected_rows_by_reason`).
#}

{%- set enrollment_tables = (
    [('enrollments', 'oulad_registrations', 'base_enrollments__oulad_registrations'),
     ('enrollments', 'oulad_courses', 'base_enrollments__oulad_courses'),
     ('enrollments', 'oulad_student_info', 'base_enrollments__oulad_student_info')]
    if var('enrollments_source', 'institute') == 'oulad'
    else [('enrollments', 'enrollments', 'base_enrollments__enrollments')]
) %}
{%- set tables = [
    ('sales_pipeline', 'offers', 'base_sales_pipeline__offers'),
    ('sales_pipeline', 'leads', 'base_sales_pipeline__leads'),
    ('online_retail', 'transactions', 'base_online_retail__transactions'),
    ('telco_churn', 'customers', 'base_telco_churn__customers'),
    ('marketing_campaign', 'customers', 'base_marketing_campaign__customers'),
] + enrollment_tables %}

with counts as (

    {%- for source_name, table_name, base_model in tables %}
    select
        '{{ source_name }}' as source_name,
        '{{ table_name }}' as table_name,
        count(*) as raw_rows,
        count(*) filter (where reject_reason is null) as staged_rows,
        count(*) filter (where reject_reason is not null) as rejected_rows
    from {{ ref(base_model) }}
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

audits as (

    select * from {{ ref('raw_file_audit') }}

),

final as (

    select
        -- ids
        counts.source_name,
        counts.table_name,

        -- strings
        audits.file_path,

        -- numerics
        counts.raw_rows,
        counts.staged_rows,
        counts.rejected_rows,
        round(counts.rejected_rows / nullif(counts.raw_rows, 0), 6) as rejected_share,

        -- booleans
        counts.raw_rows = counts.staged_rows + counts.rejected_rows as is_reconciled
    from counts
    left join audits
        on counts.source_name = audits.source_name
        and counts.table_name = audits.table_name

)

select * from final
