{#- A SQL string literal (quotes doubled): paths and messages may contain an apostrophe. -#}
{% macro sql_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{#- `rows` (a Jinja list: of tuples, or of plain values when there is one column) as a union
    of literal selects named `columns`, ending with one all-null row so that an empty list is
    still valid SQL (a reader filters it out with `<column> is not null`). For singular tests
    that compare a hand-written list with the graph. -#}
{% macro literal_rows(rows, columns) -%}
    {%- for row in rows %}
    select
        {%- set values = [row] if columns | length == 1 else row %}
        {%- for value in values %}
        {{ sql_literal(value) }} as {{ columns[loop.index0] }}{{ "," if not loop.last }}
        {%- endfor %}
    union all
    {%- endfor %}
    select
        {%- for column in columns %}
        null as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{#- The condition of an equi-join of `left` and `right` on the columns `keys` (a list):
    `left.k1 = right.k1 and left.k2 = right.k2 ...`, one comparison a line. -#}
{% macro join_on(left, right, keys) -%}
    {%- for key in keys %}
    {{ "and " if not loop.first }}{{ left }}.{{ key }} = {{ right }}.{{ key }}
    {%- endfor %}
{%- endmacro %}
