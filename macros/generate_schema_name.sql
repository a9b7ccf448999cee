{#- Use the custom schema name as is (staging, intermediate, marts, ...), so dashboards and
    analysts read `sales.offer_scores` rather than `main_marts.offer_scores`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
