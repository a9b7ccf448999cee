{#- Generated rows. -#}

{#- A relation of the integers 0 .. count - 1 in column `n` (count: a literal). -#}
{% macro integer_series(count) -%}
    {{ return(adapter.dispatch('integer_series', 'revenue_ml')(count)) }}
{%- endmacro %}

{% macro default__integer_series(count) -%}
    (select range as n from range({{ count }}))
{%- endmacro %}

{% macro spark__integer_series(count) -%}
    (select id as n from range({{ count }}))
{%- endmacro %}
