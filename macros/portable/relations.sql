{#- Statements over whole relations. -#}

{#- The rows of every relation, columns matched by name (a column missing from one is null). -#}
{% macro union_all_by_name(relations) -%}
    {{ return(adapter.dispatch('union_all_by_name', 'revenue_ml')(relations)) }}
{%- endmacro %}

{% macro default__union_all_by_name(relations) -%}
    {%- for relation in relations %}
    select * from {{ relation }}
    {{ "union all by name" if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Spark has no `union all by name`: explicit column lists from the catalog, in order of first
    appearance (as DuckDB orders them). -#}
{% macro spark__union_all_by_name(relations) -%}
    {%- set names = [] -%}
    {%- set columns_of = [] -%}
    {%- for relation in relations -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- do columns_of.append(columns) -%}
        {%- for name in columns if name not in names -%}
            {%- do names.append(name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for relation in relations %}
    {%- set outer = loop %}
    select
        {%- for name in names %}
        {% if name in columns_of[outer.index0] %}{{ adapter.quote(name) }}{% else %}null{% endif %} as {{ adapter.quote(name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Statement: (re)create table `relation` (schema.name) as `select_sql`, in one step. -#}
{% macro replace_table_as(relation, select_sql) -%}
    {{ return(adapter.dispatch('replace_table_as', 'revenue_ml')(relation, select_sql)) }}
{%- endmacro %}

{% macro default__replace_table_as(relation, select_sql) -%}
    {%- do run_query("create or replace table " ~ relation ~ " as " ~ select_sql) -%}
{%- endmacro %}

{#- CREATE OR REPLACE is for v2 (Delta, Iceberg) tables only: drop, then create, as parquet. -#}
{% macro spark__replace_table_as(relation, select_sql) -%}
    {%- do run_query("drop table if exists " ~ relation) -%}
    {%- do run_query("create table " ~ relation ~ " using parquet as " ~ select_sql) -%}
{%- endmacro %}
