{#- JSON held in text columns (the model registry's params, metrics, evaluation, curves, ...).
    Paths are JSONPath literals ('$.a.b'). -#}

{#- The value at `path` as text (a string unquoted; an object or array as JSON text). -#}
{% macro json_text(json, path) -%}
    {{ return(adapter.dispatch('json_text', 'revenue_ml')(json, path)) }}
{%- endmacro %}

{% macro default__json_text(json, path) -%}
    json_extract_string({{ json }}, '{{ path }}')
{%- endmacro %}

{% macro spark__json_text(json, path) -%}
    get_json_object({{ json }}, '{{ path }}')
{%- endmacro %}

{#- The scalar at `path` cast to `data_type` (a number or boolean). -#}
{% macro json_value(json, path, data_type) -%}
    {{ return(adapter.dispatch('json_value', 'revenue_ml')(json, path, data_type)) }}
{%- endmacro %}

{% macro default__json_value(json, path, data_type) -%}
    cast(json_extract({{ json }}, '{{ path }}') as {{ data_type }})
{%- endmacro %}

{% macro spark__json_value(json, path, data_type) -%}
    cast(get_json_object({{ json }}, '{{ path }}') as {{ data_type }})
{%- endmacro %}

{#- The JSON at a path built in SQL (`path_sql` is an expression, e.g. "'$.' || name"). -#}
{% macro json_at(json, path_sql) -%}
    {{ return(adapter.dispatch('json_at', 'revenue_ml')(json, path_sql)) }}
{%- endmacro %}

{% macro default__json_at(json, path_sql) -%}
    json_extract({{ json }}, {{ path_sql }})
{%- endmacro %}

{% macro spark__json_at(json, path_sql) -%}
    get_json_object({{ json }}, {{ path_sql }})
{%- endmacro %}

{#- True when `path` exists (Spark: and is not JSON null). -#}
{% macro json_has(json, path) -%}
    {{ return(adapter.dispatch('json_has', 'revenue_ml')(json, path)) }}
{%- endmacro %}

{% macro default__json_has(json, path) -%}
    json_exists({{ json }}, '{{ path }}')
{%- endmacro %}

{% macro spark__json_has(json, path) -%}
    (get_json_object({{ json }}, '{{ path }}') is not null)
{%- endmacro %}

{#- One row per key of a JSON object (a set-returning expression: use it in a select list). -#}
{% macro unnest_json_keys(json) -%}
    {{ return(adapter.dispatch('unnest_json_keys', 'revenue_ml')(json)) }}
{%- endmacro %}

{% macro default__unnest_json_keys(json) -%}
    unnest(json_keys({{ json }}))
{%- endmacro %}

{% macro spark__unnest_json_keys(json) -%}
    explode(json_object_keys({{ json }}))
{%- endmacro %}

{#- One row per item of a JSON array of strings (set-returning, in a select list). -#}
{% macro unnest_json_strings(json) -%}
    {{ return(adapter.dispatch('unnest_json_strings', 'revenue_ml')(json)) }}
{%- endmacro %}

{% macro default__unnest_json_strings(json) -%}
    unnest(cast({{ json }} as json)::varchar[])
{%- endmacro %}

{% macro spark__unnest_json_strings(json) -%}
    explode(from_json({{ json }}, 'array<string>'))
{%- endmacro %}

{#- One row per record of a JSON array of objects, as a struct whose fields are `fields`
    ({name: type}, types string, double, integer, bigint, boolean); set-returning, in a select
    list: `{{ unnest_json_records('evaluation', {...}) }} as row`, then `row.metric`. -#}
{% macro unnest_json_records(json, fields) -%}
    {{ return(adapter.dispatch('unnest_json_records', 'revenue_ml')(json, fields)) }}
{%- endmacro %}

{% macro default__unnest_json_records(json, fields) -%}
    unnest(from_json({{ json }}, '[{
    {%- for name, data_type in fields.items() -%}
        "{{ name }}": "{{ 'VARCHAR' if data_type | lower == 'string' else data_type | upper }}"{{ ", " if not loop.last }}
    {%- endfor -%}
    }]'))
{%- endmacro %}

{% macro spark__unnest_json_records(json, fields) -%}
    {%- set spark_types = {'integer': 'int'} -%}
    explode(from_json({{ json }}, 'array<struct<
    {%- for name, data_type in fields.items() -%}
        `{{ name }}`: {{ spark_types.get(data_type | lower, data_type | lower) }}{{ ", " if not loop.last }}
    {%- endfor -%}
    >>'))
{%- endmacro %}

{#- A JSON object of the named columns of `alias`, nulls kept as null (raw rows' record). -#}
{% macro columns_to_json(alias, columns) -%}
    {{ return(adapter.dispatch('columns_to_json', 'revenue_ml')(alias, columns)) }}
{%- endmacro %}

{% macro default__columns_to_json(alias, columns) -%}
    to_json(struct_pack(
        {%- for column in columns %}
        {{ adapter.quote(column) }} := {{ alias }}.{{ adapter.quote(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}

{#- Spark's to_json drops null fields unless told not to; with the option the text is
    byte-identical to DuckDB's (so digests of it agree). -#}
{% macro spark__columns_to_json(alias, columns) -%}
    to_json(named_struct(
        {%- for column in columns %}
        {{ sql_literal(column) }}, {{ alias }}.{{ adapter.quote(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    ), map('ignoreNullFields', 'false'))
{%- endmacro %}

{#- The whole row of `alias` as a JSON object (when its columns are not known). -#}
{% macro row_to_json(alias) -%}
    {{ return(adapter.dispatch('row_to_json', 'revenue_ml')(alias)) }}
{%- endmacro %}

{% macro default__row_to_json(alias) -%}
    to_json({{ alias }})
{%- endmacro %}

{% macro spark__row_to_json(alias) -%}
    to_json(struct({{ alias }}.*), map('ignoreNullFields', 'false'))
{%- endmacro %}
