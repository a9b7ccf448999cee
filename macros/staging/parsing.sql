{#- Small parsing helpers shared by the base models. Raw files are read as text, so every
    typed column goes through one of these; a value that is present but does not parse becomes
    a reject reason rather than a silent null. The engine-specific parts are in
    macros/portable/ (try_cast_text, parse_timestamp_or_null). -#}

{#- A raw value without surrounding blanks, null when empty. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- A raw value as data_type, null when empty or unparseable (DuckDB's try_cast semantics). -#}
{% macro parse_as(column, data_type) -%}
    {{ try_cast_text(clean_text(column), data_type) }}
{%- endmacro %}

{#- True when the raw value is present but cannot be parsed as data_type. -#}
{% macro fails_parse(column, data_type) -%}
    ({{ clean_text(column) }} is not null and {{ parse_as(column, data_type) }} is null)
{%- endmacro %}

{#- A raw value as a timestamp by a strftime format, null when empty or unparseable. -#}
{% macro parse_timestamp(column, format) -%}
    {{ parse_timestamp_or_null(clean_text(column), format) }}
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
