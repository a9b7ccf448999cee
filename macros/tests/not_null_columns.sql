{#-
    None of `columns` holds a null: one scan of the model for all of them, instead of one
    not_null test (one scan) per column. For a view over many rows (the classified transaction
    lines), where every test recomputes the view. A failure lists each column with nulls and
    how many rows have one.
-#}
{% test not_null_columns(model, columns) %}

with null_rows as (

    select
        {%- for column in columns %}
        sum(case when {{ column }} is null then 1 else 0 end) as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}

)

{% for column in columns -%}
select
    '{{ column }}' as column_name,
    {{ column }} as rows_with_null
from null_rows
where {{ column }} > 0
{{ "union all" if not loop.last }}
{% endfor %}

{% endtest %}
