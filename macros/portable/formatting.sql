{#- Numbers as people read them, in SQL that writes sentences (insiders_report). -#}

{#- A whole number with thousands separators: 2202 -> '2,202'. -#}
{% macro thousands(expr) -%}
    {{ return(adapter.dispatch('thousands', 'revenue_ml')(expr)) }}
{%- endmacro %}

{% macro default__thousands(expr) -%}
    format('{:,}', cast(round({{ expr }}) as bigint))
{%- endmacro %}

{% macro spark__thousands(expr) -%}
    format_number(cast(round({{ expr }}) as bigint), 0)
{%- endmacro %}

{#- An amount of money, compact: 8434418.79 -> '£8.4m', 3830.3 -> '£3,830', 15.5 -> '£15.50'
    (`currency` is a SQL string expression, e.g. a quoted var). -#}
{% macro money_text(expr, currency) -%}
    case
        when ({{ expr }}) is null then '-'
        when abs({{ expr }}) >= 1000000
            then {{ currency }} || printf('%.1fm', cast({{ expr }} as double) / 1000000.0)
        when abs({{ expr }}) >= 100
            then {{ currency }} || {{ thousands('cast(' ~ expr ~ ' as double)') }}
        else {{ currency }} || printf('%.2f', cast({{ expr }} as double))
    end
{%- endmacro %}

{#- A share as a whole percent: 0.8367 -> '84%'. -#}
{% macro percent_text(expr) -%}
    case
        when ({{ expr }}) is null then '-'
        else printf('%.0f%%', 100 * cast({{ expr }} as double))
    end
{%- endmacro %}
