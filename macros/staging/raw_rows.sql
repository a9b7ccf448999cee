{#-
    The first step of every base model: each raw row of one source table, numbered in file
    order, with the whole raw row kept as JSON (`raw_record`, what a rejects model shows).

    The raw record lists the source's declared columns explicitly: `to_json(<table alias>)`
    is ambiguous when the file has a column of the same name as the alias (the leads file has
    a `Source` column, and `to_json(source)` stored that one value instead of the row).
-#}
{% macro numbered_raw_rows(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set columns = source_columns(source_name, table_name) -%}
    select
        {{ source_row_number() }} as source_row_number,
        raw_rows.*,
        {%- if columns %}
        {{ columns_to_json('raw_rows', columns) }} as raw_record
        {%- else %}
        {{ row_to_json('raw_rows') }} as raw_record
        {%- endif %}
    from {{ relation }} as raw_rows
{%- endmacro %}

{#- The declared columns of a source table, in YAML order (empty while parsing). -#}
{% macro source_columns(source_name, table_name) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() -%}
            {%- if node.source_name == source_name and node.name == table_name -%}
                {%- for column in node.columns.values() -%}
                    {%- do names.append(column.name) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}

{#-
    A key for rows that have no id of their own: the first 16 hex digits of the MD5 of the
    trimmed raw values of `columns` joined by the ASCII unit separator (chr 31), prefixed. The
    same row gives the same key in any file order; the Python twin is
    revenue_ml.raw_features (churn, offers). Exact twins are told apart by the caller (a rank
    over this digest).
-#}
{% macro identity_digest(prefix, columns) -%}
    '{{ prefix }}' || substr(md5(concat_ws(chr(31)
        {%- for column in columns %},
        coalesce(trim({{ adapter.quote(column) }}), '')
        {%- endfor %}
    )), 1, 16)
{%- endmacro %}
