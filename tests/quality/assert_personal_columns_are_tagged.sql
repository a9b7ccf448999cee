{{ config(enabled=target.type == 'duckdb') }}
{#- Every column of the warehouse whose name looks personal (macro personal_column_pattern) is
    tagged `meta: {pii: true}` or, when it only looks personal, `pii: false` in its model's
    YAML (macros/governance/personal_data.sql). Rows = untagged columns, with the fix. -#}
{%- set schemas = [] %}
{%- if execute %}
{%- for node in graph.nodes.values()
    if node.resource_type in ['model', 'seed'] and node.package_name == project_name %}
{%- do schemas.append(node.schema) %}
{%- endfor %}
{%- endif %}
{%- set schema_list = "'" ~ (schemas | unique | join("', '")) ~ "'" %}
{%- set tagged = [] %}
{%- for schema, relation, column, pii in tagged_columns() %}
{%- do tagged.append((schema, relation, column)) %}
{%- endfor %}

with warehouse_columns as (
    select
        table_schema,
        table_name,
        column_name
    from information_schema.columns
    where
        table_catalog = current_database()
        and table_schema in ({{ schema_list }})
),

tagged as (
    {{ literal_rows(tagged, ['table_schema', 'table_name', 'column_name']) }}
)

select
    warehouse_columns.table_schema,
    warehouse_columns.table_name,
    warehouse_columns.column_name,
    'looks personal but is not tagged: add config: {meta: {pii: true}} (or pii: false with '
    || 'the reason) to the column in the model''s YAML' as fix
from warehouse_columns
left join tagged
    on warehouse_columns.table_schema = tagged.table_schema
        and warehouse_columns.table_name = tagged.table_name
        and lower(warehouse_columns.column_name) = lower(tagged.column_name)
{%- set person_like = '.*(?:' ~ personal_column_pattern() ~ ').*' %}
where
    {{ regex_full_match('lower(warehouse_columns.column_name)', person_like) }}
    and tagged.column_name is null
