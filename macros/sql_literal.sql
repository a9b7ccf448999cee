{#- A SQL string literal (quotes doubled): paths and messages may contain an apostrophe. -#}
{% macro sql_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
