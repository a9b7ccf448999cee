{#-
    Every column check of one table in one test: one query and one dbt node, instead of one node
    per column and kind (issue 27). A failure returns one row per broken check: `failed_check`,
    the check in words (kind, column(s), condition), and `failing_rows` (for `unique`, the
    duplicated keys). `dbt test --store-failures` keeps them in dbt_test__audit.

    Arguments (each optional, at least one given; a check with `where` counts only the rows where
    the condition holds):
      not_null:        [column, {column: c, where: condition}, ...]
      unique:          [column, [column, ...], {columns: [...], where: condition}, ...]
                       a single column ignores nulls (as dbt's `unique`); a list is a combination
                       that must identify each row, nulls included
      accepted_values: {column: [value, ...], column: {values: [...], where: condition}}
                       nulls pass (as dbt's `accepted_values`); strings are quoted, numbers and
                       booleans are not
      expressions:     [expression, {expression: e, where: condition}, ...]
                       a row fails when the expression is false or null
-#}
{% test table_checks(model, not_null=[], unique=[], accepted_values={}, expressions=[]) %}

{%- set row_checks = [] -%}
{%- for item in not_null -%}
    {%- set check = item if item is mapping else {'column': item} -%}
    {%- do row_checks.append({
        'name': 'not_null: ' ~ check['column'],
        'fails': check['column'] ~ ' is null',
        'where': check.get('where')
    }) -%}
{%- endfor -%}
{%- for column, spec in accepted_values.items() -%}
    {%- set check = spec if spec is mapping else {'values': spec} -%}
    {%- set literals = [] -%}
    {%- for value in check['values'] -%}
        {%- if value is boolean -%}
            {%- do literals.append('true' if value else 'false') -%}
        {%- elif value is number -%}
            {%- do literals.append(value | string) -%}
        {%- else -%}
            {%- do literals.append(sql_literal(value)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set value_list = literals | join(', ') -%}
    {%- do row_checks.append({
        'name': 'accepted_values: ' ~ column ~ ' in (' ~ value_list ~ ')',
        'fails': column ~ ' is not null and ' ~ column ~ ' not in (' ~ value_list ~ ')',
        'where': check.get('where')
    }) -%}
{%- endfor -%}
{%- for item in expressions -%}
    {%- set check = item if item is mapping else {'expression': item} -%}
    {%- do row_checks.append({
        'name': 'expression: ' ~ check['expression'],
        'fails': 'not coalesce((' ~ check['expression'] ~ '), false)',
        'where': check.get('where')
    }) -%}
{%- endfor -%}
{%- set key_checks = [] -%}
{%- for item in unique -%}
    {%- if item is mapping -%}
        {%- do key_checks.append(
            {'columns': item['columns'], 'where': item.get('where'), 'nulls': true}) -%}
    {%- elif item is string -%}
        {%- do key_checks.append({'columns': [item], 'where': none, 'nulls': false}) -%}
    {%- else -%}
        {%- do key_checks.append({'columns': item, 'where': none, 'nulls': true}) -%}
    {%- endif -%}
{%- endfor -%}
{%- if not row_checks and not key_checks -%}
    {{ exceptions.raise_compiler_error(
        "table_checks on " ~ model ~ ": give at least one of not_null, unique, "
        ~ "accepted_values, expressions") }}
{%- endif -%}

with

{% if row_checks -%}
row_failures as (

    select
        {%- for check in row_checks %}
        sum(case when {% if check['where'] %}({{ check['where'] }}) and {% endif -%}
            {{ check['fails'] }} then 1 else 0 end) as check_{{ loop.index }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ model }}

),
{%- endif %}

{% for check in key_checks -%}
duplicated_keys_{{ loop.index }} as (

    select count(*) as duplicated_keys
    from (
        select {{ check['columns'] | join(', ') }}
        -- aliased: Spark would read `where (...)` after a bare table name as column aliases
        from {{ model }} as checked_rows
        where {% if check['where'] %}({{ check['where'] }}){% else %}1 = 1{% endif %}
            {%- if not check['nulls'] %} and {{ check['columns'][0] }} is not null{% endif %}
        group by {{ check['columns'] | join(', ') }}
        having count(*) > 1
    ) as duplicated

),
{% endfor %}

failures as (

    {% for check in row_checks -%}
    select
        {{ sql_literal(check['name']
            ~ (' (where ' ~ check['where'] ~ ')' if check['where'] else '')) }} as failed_check,
        check_{{ loop.index }} as failing_rows
    from row_failures
    {{ "union all" if not loop.last or key_checks }}
    {% endfor %}
    {%- for check in key_checks -%}
    select
        {{ sql_literal('unique: ' ~ check['columns'] | join(', ')
            ~ (' (where ' ~ check['where'] ~ ')' if check['where'] else '')) }} as failed_check,
        duplicated_keys as failing_rows
    from duplicated_keys_{{ loop.index }}
    {{ "union all" if not loop.last }}
    {% endfor %}

)

select
    failed_check,
    failing_rows
from failures
where failing_rows > 0

{% endtest %}
