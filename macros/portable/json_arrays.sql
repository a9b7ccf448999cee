{#- One row per position of parallel JSON arrays held in one object, e.g. the registry's
    out_of_sample `{"key": [...], "probability": [...], "evaluation": [...]}`: a complete select
    from `relation` (a CTE or table) that keeps the `carry` columns and adds one column per
    field of `fields` ({name: type}; string, double or bigint), the n-th items side by side. -#}
{% macro json_array_rows(relation, json_column, fields, carry) -%}
    {{ return(adapter.dispatch('json_array_rows', 'revenue_ml')(relation, json_column, fields, carry)) }}
{%- endmacro %}

{#- DuckDB: several unnest() in one select list walk their lists side by side. -#}
{% macro default__json_array_rows(relation, json_column, fields, carry) -%}
    {%- set duckdb_types = {'string': 'VARCHAR', 'double': 'DOUBLE', 'bigint': 'BIGINT'} -%}
    select
        {%- for column in carry %}
        arrays.{{ column }},
        {%- endfor %}
        {%- for name in fields %}
        unnest(arrays.parsed.{{ name }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            {%- for column in carry %}
            {{ column }},
            {%- endfor %}
            from_json({{ json_column }}, '{
            {%- for name, data_type in fields.items() -%}
                "{{ name }}": ["{{ duckdb_types[data_type] }}"]{{ ", " if not loop.last }}
            {%- endfor -%}
            }') as parsed
        from {{ relation }}
    ) as arrays
{%- endmacro %}

{#- Spark: posexplode the first array, pick the others at the same position (0-based). -#}
{% macro spark__json_array_rows(relation, json_column, fields, carry) -%}
    {%- set names = fields.keys() | list -%}
    select
        {%- for column in carry %}
        arrays.{{ column }},
        {%- endfor %}
        {%- for name in names %}
        {%- if loop.first %}
        exploded.item as {{ name }}{{ "," if not loop.last }}
        {%- else %}
        arrays.parsed.`{{ name }}`[exploded.pos] as {{ name }}{{ "," if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from (
        select
            {%- for column in carry %}
            {{ column }},
            {%- endfor %}
            from_json({{ json_column }}, 'struct<
            {%- for name, data_type in fields.items() -%}
                `{{ name }}`: array<{{ data_type }}>{{ ", " if not loop.last }}
            {%- endfor -%}
            >') as parsed
        from {{ relation }}
    ) as arrays
    lateral view posexplode(arrays.parsed.`{{ names[0] }}`) exploded as pos, item
{%- endmacro %}
