{#- Operators and functions whose spelling differs between engines. -#}

{#- Integer division truncating toward zero (DuckDB `a // b`, Spark `a div b`). -#}
{% macro int_div(a, b) -%}
    {{ return(adapter.dispatch('int_div', 'revenue_ml')(a, b)) }}
{%- endmacro %}

{% macro default__int_div(a, b) -%}
    (({{ a }}) // ({{ b }}))
{%- endmacro %}

{% macro spark__int_div(a, b) -%}
    (({{ a }}) div ({{ b }}))
{%- endmacro %}

{#- True when the whole of `expr` matches the regular expression `pattern` (a literal). -#}
{% macro regex_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'revenue_ml')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, {{ sql_literal(pattern) }})
{%- endmacro %}

{#- rlike is a partial match on Spark: anchor the whole pattern. -#}
{% macro spark__regex_full_match(expr, pattern) -%}
    ({{ expr }} rlike {{ sql_literal('^(?:' ~ pattern ~ ')$') }})
{%- endmacro %}
