{#-
    dbt-duckdb builds an incremental Python model's new rows in a table named
    `<model>__dbt_tmp<timestamp>` in the default schema and does not drop it afterwards. This
    on-run-end hook drops those tables (only tables whose name says dbt made them as a
    temporary copy of one of this project's incremental models), so `main` stays empty.
    dbt-spark's incremental materialization drops its own (`<model>__dbt_tmp`).
-#}
{% macro drop_incremental_temp_tables() -%}
    {{ return(adapter.dispatch('drop_incremental_temp_tables', 'revenue_ml')()) }}
{%- endmacro %}

{% macro default__drop_incremental_temp_tables() -%}{%- endmacro %}

{% macro duckdb__drop_incremental_temp_tables() -%}
    {%- if execute -%}
        {%- set names = [] -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and node.config.materialized == 'incremental' -%}
                {%- do names.append(node.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if names -%}
            {%- set found = run_query(
                "select table_schema, table_name from information_schema.tables "
                ~ "where table_catalog = current_database() and regexp_matches(table_name, "
                ~ "'^(" ~ names | join('|') ~ ")__dbt_tmp[0-9]*$')"
            ) -%}
            {%- for row in found.rows -%}
                {%- do run_query('drop table if exists "' ~ row[0] ~ '"."' ~ row[1] ~ '"') -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
