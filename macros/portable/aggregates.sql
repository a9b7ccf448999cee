{#- Aggregates whose name or result differs between engines. -#}

{#- Interpolated quantile q (0..1) of a numeric expression, as a double. -#}
{% macro quantile_cont(expr, q) -%}
    {{ return(adapter.dispatch('quantile_cont', 'revenue_ml')(expr, q)) }}
{%- endmacro %}

{% macro default__quantile_cont(expr, q) -%}
    quantile_cont({{ expr }}, {{ q }})
{%- endmacro %}

{% macro spark__quantile_cont(expr, q) -%}
    percentile({{ expr }}, {{ q }})
{%- endmacro %}

{#- The interpolated first and third quartiles of a numeric expression from one aggregate
    state, as an engine list; read them with `quartile(list, 1)` and `quartile(list, 3)`. One
    state instead of two: DuckDB cannot spill a quantile's state (every value is kept), and at
    scale 100 two states over 54 million transaction lines exceed the 1.5 GB memory limit. -#}
{% macro quartiles_cont(expr) -%}
    {{ return(adapter.dispatch('quartiles_cont', 'revenue_ml')(expr)) }}
{%- endmacro %}

{% macro default__quartiles_cont(expr) -%}
    quantile_cont({{ expr }}, [0.25, 0.75])
{%- endmacro %}

{% macro spark__quartiles_cont(expr) -%}
    percentile({{ expr }}, array(0.25, 0.75))
{%- endmacro %}

{#- Quartile `which` (1 or 3) of a list made by `quartiles_cont`. -#}
{% macro quartile(quartiles, which) -%}
    {{ return(adapter.dispatch('quartile', 'revenue_ml')(quartiles, which)) }}
{%- endmacro %}

{% macro default__quartile(quartiles, which) -%}
    {{ quartiles }}[{{ 1 if which == 1 else 2 }}]
{%- endmacro %}

{% macro spark__quartile(quartiles, which) -%}
    {{ quartiles }}[{{ 0 if which == 1 else 1 }}]
{%- endmacro %}

{#- The median. Of a DECIMAL column pass its scale: DuckDB keeps the DECIMAL type and truncates
    the interpolated median to that scale (1.0 and 2.5 -> 1.7), Spark returns a double (1.75). -#}
{% macro median(expr, decimal_scale=none) -%}
    {{ return(adapter.dispatch('median', 'revenue_ml')(expr, decimal_scale)) }}
{%- endmacro %}

{% macro default__median(expr, decimal_scale=none) -%}
    median({{ expr }})
{%- endmacro %}

{#- A median of DECIMAL values is an exact multiple of half a unit of the scale: round away the
    double's noise, then round down as DuckDB does (lo + floor((hi - lo) / 2) in units of the scale). -#}
{% macro spark__median(expr, decimal_scale=none) -%}
    {%- if decimal_scale is none -%}
        median({{ expr }})
    {%- else -%}
        {%- set unit = 10 ** (decimal_scale | int) -%}
        cast(
            cast(floor(round(median({{ expr }}) * {{ unit }}, 3)) as decimal(38, 0)) / {{ unit }}
            as decimal(38, {{ decimal_scale }})
        )
    {%- endif -%}
{%- endmacro %}

{#- Values of `expr` joined by `separator` (a literal) in the order of `order_by`. -#}
{% macro ordered_string_agg(expr, separator, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'revenue_ml')(expr, separator, order_by)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expr, separator, order_by) -%}
    string_agg({{ expr }}, {{ sql_literal(separator) }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_string_agg(expr, separator, order_by) -%}
    listagg({{ expr }}, {{ sql_literal(separator) }}) within group (order by {{ order_by }})
{%- endmacro %}

{#- The sum of integer values at DuckDB's width: a 128-bit HUGEINT there, DECIMAL(38, 0) on
    Spark (whose sum is a BIGINT), so the column has the same range and a Python model reads the
    same pandas dtype (float64) on both engines. `over` (a window's text, e.g. "partition by a
    order by b") makes it a window function. -#}
{% macro sum_integers(expr, over=none) -%}
    {{ return(adapter.dispatch('sum_integers', 'revenue_ml')(expr, over)) }}
{%- endmacro %}

{% macro default__sum_integers(expr, over=none) -%}
    sum({{ expr }}){% if over is not none %} over ({{ over }}){% endif %}
{%- endmacro %}

{% macro spark__sum_integers(expr, over=none) -%}
    cast(sum({{ expr }}){% if over is not none %} over ({{ over }}){% endif %} as decimal(38, 0))
{%- endmacro %}
