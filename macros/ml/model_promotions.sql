{#-
    The audit table of manual promotions: one row per `python -m revenue_ml.registry promote
    <model> <version> --reason ...` (who, when, why, from which champion). An on-run-start hook
    creates it empty the first time; dbt never rebuilds it, so the audit survives every later
    build. The promotion itself is the `promoted_at` stamp on the version's registry row
    (revenue_ml/ml/champion.py).
-#}
{% macro create_model_promotions() -%}
    {%- if execute -%}
        {%- do run_query("create schema if not exists ml") -%}
        {%- do run_query(
            "create table if not exists ml.model_promotions ("
            ~ "promoted_at timestamp not null, "
            ~ "model_name string not null, "
            ~ "model_version bigint not null, "
            ~ "previous_champion_version bigint, "
            ~ "promoted_by string not null, "
            ~ "reason string not null, "
            ~ "registry_table string not null)"
        ) -%}
    {%- endif -%}
{%- endmacro %}
