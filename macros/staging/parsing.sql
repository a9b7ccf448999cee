{#- Small parsing helpers shared by the base models. Raw files are read as text, so every
    typed column goes through one of these; a value that is present but does not parse becomes
    a reject reason rather than a silent null. -#}

{% macro clean_text(column) -%}
    {{ return(adapter.dispatch('clean_text', 'revenue_ml')(column)) }}
{%- endmacro %}

{% macro default__clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{% macro parse_as(column, data_type) -%}
    {{ return(adapter.dispatch('parse_as', 'revenue_ml')(column, data_type)) }}
{%- endmacro %}

{% macro default__parse_as(column, data_type) -%}
    try_cast(nullif(trim({{ column }}), '') as {{ data_type }})
{%- endmacro %}

{#- True when the raw value is present but cannot be parsed as data_type. -#}
{% macro fails_parse(column, data_type) -%}
    (nullif(trim({{ column }}), '') is not null and {{ parse_as(column, data_type) }} is null)
{%- endmacro %}

{% macro parse_timestamp(column, format) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'revenue_ml')(column, format)) }}
{%- endmacro %}

{% macro default__parse_timestamp(column, format) -%}
    try_strptime(nullif(trim({{ column }}), ''), '{{ format }}')
{%- endmacro %}

{#- The first failing rule wins: rules is a list of (condition, reason) pairs. -#}
{% macro reject_reason(rules) -%}
    case
    {%- for condition, reason in rules %}
        when {{ condition }} then '{{ reason }}'
    {%- endfor %}
    end
{%- endmacro %}

{#- 1 for the first copy of an exact duplicate raw row, 2, 3, ... for the repeats. -#}
{% macro duplicate_rank(columns, order_by='source_row_number') -%}
    row_number() over (
        partition by {% for c in columns %}{{ adapter.quote(c) }}{{ ", " if not loop.last }}{% endfor %}
        order by {{ order_by }}
    )
{%- endmacro %}
