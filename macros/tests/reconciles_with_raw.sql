{#- Nothing is lost: every raw row of a source table is either in the staging model or in the
    source's rejects model. Returns one row (the three counts) when they do not add up. When
    the source's domain holds (a file failed its audit: macros/operations/domain_hold.sql) the
    staged rows are the last good build's and the file may not be readable: nothing to compare
    (quality.domain_status and its warning report the domain). -#}
{% test reconciles_with_raw(model, source_name, table_name, rejects_model) %}
{%- if source_is_held(source_name) %}
select 0 as raw_row_count, 0 as staged_row_count, 0 as rejected_row_count
where 1 = 0
{%- else %}

with raw_rows as (
    select count(*) as row_count from {{ source(source_name, table_name) }}
),

staged_rows as (
    select count(*) as row_count from {{ model }}
),

rejected_rows as (
    select count(*) as row_count
    from {{ rejects_model }}
    where source_table = '{{ table_name }}'
)

select
    raw_rows.row_count as raw_row_count,
    staged_rows.row_count as staged_row_count,
    rejected_rows.row_count as rejected_row_count
from raw_rows
cross join staged_rows
cross join rejected_rows
where raw_rows.row_count != staged_rows.row_count + rejected_rows.row_count
{%- endif %}

{% endtest %}
