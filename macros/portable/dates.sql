{#- Dates and times. For day differences use dbt's own cross-database `dbt.datediff(a, b, 'day')`
    (and dbt.dateadd); these cover what dbt lacks. -#}

{#- Text parsed with a strftime format ('%m/%d/%Y %H:%M'), null when it does not match. -#}
{% macro parse_timestamp_or_null(expr, strftime_format) -%}
    {{ return(adapter.dispatch('parse_timestamp_or_null', 'revenue_ml')(expr, strftime_format)) }}
{%- endmacro %}

{% macro default__parse_timestamp_or_null(expr, strftime_format) -%}
    try_strptime({{ expr }}, '{{ strftime_format }}')
{%- endmacro %}

{#- The strftime format as a java.time pattern: single letters take 1 or 2 digits, like
    DuckDB's %m/%d/%H when parsing. -#}
{% macro spark__parse_timestamp_or_null(expr, strftime_format) -%}
    {%- set java = namespace(pattern=strftime_format) -%}
    {%- for strftime, pattern in [('%Y', 'yyyy'), ('%m', 'M'), ('%d', 'd'), ('%H', 'H'),
                                  ('%M', 'mm'), ('%S', 'ss'), ('%y', 'yy')] -%}
        {%- set java.pattern = java.pattern | replace(strftime, pattern) -%}
    {%- endfor -%}
    try_to_timestamp({{ expr }}, '{{ java.pattern }}')
{%- endmacro %}

{#- Seconds since 1970-01-01 00:00 UTC of a date or timestamp, as a double. -#}
{% macro epoch_seconds(expr) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'revenue_ml')(expr)) }}
{%- endmacro %}

{% macro default__epoch_seconds(expr) -%}
    epoch({{ expr }})
{%- endmacro %}

{% macro spark__epoch_seconds(expr) -%}
    (unix_micros(cast({{ expr }} as timestamp)) / 1e6)
{%- endmacro %}

{#- The timestamp `seconds` after 1970-01-01 00:00 UTC. -#}
{% macro timestamp_from_epoch(seconds) -%}
    {{ return(adapter.dispatch('timestamp_from_epoch', 'revenue_ml')(seconds)) }}
{%- endmacro %}

{% macro default__timestamp_from_epoch(seconds) -%}
    to_timestamp({{ seconds }})
{%- endmacro %}

{% macro spark__timestamp_from_epoch(seconds) -%}
    timestamp_micros(cast(round(({{ seconds }}) * 1e6) as bigint))
{%- endmacro %}

{#- The day of the week of a date, Sunday = 0 to Saturday = 6 (DuckDB's dayofweek; Spark's
    counts from 1). -#}
{% macro day_of_week(expr) -%}
    {{ return(adapter.dispatch('day_of_week', 'revenue_ml')(expr)) }}
{%- endmacro %}

{% macro default__day_of_week(expr) -%}
    dayofweek({{ expr }})
{%- endmacro %}

{% macro spark__day_of_week(expr) -%}
    (dayofweek({{ expr }}) - 1)
{%- endmacro %}
