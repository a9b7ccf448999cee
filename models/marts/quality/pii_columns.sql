{#
    The columns that describe a person (tagged `meta: {pii: true}` in the models' YAML, macro
    tagged_columns): the dashboard hides them and leaves them out of its downloads unless
    REVENUE_ML_SHOW_PII=1, and the docs list them. One row per relation and column.
#}

{%- set personal = [] %}
{%- for schema, relation, column, pii in tagged_columns() if pii %}
{%- do personal.append((schema, relation, column)) %}
{%- endfor %}

with tagged as (

    {{ literal_rows(personal, ['table_schema', 'table_name', 'column_name']) }}

),

final as (

    select
        cast(table_schema as string) as table_schema,
        cast(table_name as string) as table_name,
        cast(column_name as string) as column_name
    from tagged
    where column_name is not null

)

select * from final
