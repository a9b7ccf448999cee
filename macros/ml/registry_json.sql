{#-
    The registry stores evaluations, curves and feature importance as JSON arrays of records
    (revenue_ml/ml/registry.py); these expand one into rows of a struct column. One place for
    the record layouts; the expansion itself is macros/portable/json.sql (unnest_json_records).
-#}

{#- One row per evaluation record: evaluation, fold, metric, value. -#}
{% macro unnest_evaluation(column) -%}
    {{ unnest_json_records(column, {
        'evaluation': 'string', 'fold': 'string', 'metric': 'string', 'value': 'DOUBLE'}) }}
{%- endmacro %}
