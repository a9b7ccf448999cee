{#- What an engine can do beyond SQL models. -#}

{#- Whether builds publish the dashboard's Parquet snapshot (macros/dashboard/). -#}
{% macro publishes_dashboard_snapshot() -%}
    {{ return(adapter.dispatch('publishes_dashboard_snapshot', 'revenue_ml')()) }}
{%- endmacro %}

{% macro default__publishes_dashboard_snapshot() -%}
    {{ return(true) }}
{%- endmacro %}

{#- The snapshot is written with DuckDB's COPY TO (one Parquet file per table, which the app
    reads); on Spark the marts are parquet tables in the warehouse directory instead. -#}
{% macro spark__publishes_dashboard_snapshot() -%}
    {{ return(false) }}
{%- endmacro %}
