{#-
    The registry stores evaluations, curves and feature importance as JSON arrays of records
    (revenue_ml/ml/registry.py); these expand one into rows of a struct column. One place for
    the record layouts, and one to adapt per warehouse (adapter.dispatch).
-#}

{% macro unnest_json_records(column, fields) -%}
    {{ return(adapter.dispatch('unnest_json_records', 'revenue_ml')(column, fields)) }}
{%- endmacro %}

{% macro default__unnest_json_records(column, fields) -%}
    unnest(from_json({{ column }}, '[{
    {%- for name, data_type in fields.items() -%}
        "{{ name }}": "{{ data_type }}"{{ ", " if not loop.last }}
    {%- endfor -%}
    }]'))
{%- endmacro %}

{#- One row per evaluation record: evaluation, fold, metric, value. -#}
{% macro unnest_evaluation(column) -%}
    {{ unnest_json_records(column, {
        'evaluation': 'VARCHAR', 'fold': 'VARCHAR', 'metric': 'VARCHAR', 'value': 'DOUBLE'}) }}
{%- endmacro %}
