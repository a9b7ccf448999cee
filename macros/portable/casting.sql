{#- Casting raw text. The project's semantics are DuckDB's try_cast; the Spark branches match
    them where Spark differs (checked in tests/python/test_spark_parity.py and the README). -#}

{#- `expr` (text) as `data_type`, null when it does not parse (never an error). -#}
{% macro try_cast_text(expr, data_type) -%}
    {{ return(adapter.dispatch('try_cast_text', 'revenue_ml')(expr, data_type)) }}
{%- endmacro %}

{% macro default__try_cast_text(expr, data_type) -%}
    try_cast({{ expr }} as {{ data_type }})
{%- endmacro %}

{#- Spark's try_cast differs from DuckDB's on: integers written with a fraction or an exponent
    ('1.5' -> 2 and '1e3' -> 1000 on DuckDB, null on Spark: parsed through a decimal and rounded
    half away from zero as DuckDB does); dates and timestamps (Spark also takes '2024',
    '2024-02' and '2024-02-03 <anything>', DuckDB does not, and not '2024/02/03'); doubles with a
    Java suffix ('1.5d'). Not matched: hex ('0x10') and digit separators ('1_000'), which DuckDB
    reads as numbers and Spark rejects. -#}
{% macro spark__try_cast_text(expr, data_type) -%}
    {%- set t = data_type | lower | trim -%}
    {%- if t in ('integer', 'int', 'bigint', 'smallint', 'tinyint') -%}
        try_cast(round(try_cast({{ expr }} as decimal(38, 9))) as {{ t }})
    {%- elif t in ('date', 'timestamp') -%}
        case
            when {{ expr }} rlike '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?)?$'
                then try_cast({{ expr }} as {{ t }})
            when {{ expr }} rlike '^[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?)?$'
                then try_cast(replace({{ expr }}, '/', '-') as {{ t }})
        end
    {%- elif t in ('double', 'float', 'real') -%}
        case when not {{ expr }} rlike '[0-9.][dDfF]$' then try_cast({{ expr }} as double) end
    {%- elif t in ('varchar', 'text') -%}
        try_cast({{ expr }} as string)
    {%- else -%}
        try_cast({{ expr }} as {{ data_type }})
    {%- endif -%}
{%- endmacro %}
