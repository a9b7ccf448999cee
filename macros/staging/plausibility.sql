{#-
    Plausibility rules shared by the base models. A value that parses but cannot be right (a
    date decades away from the rest of the file, an absurd amount, a negative count) is a
    reject reason, like a value that does not parse: one typo must never move a reference
    date, a forecast period or a revenue share.

    Dates: the window is the file's own bulk, Tukey's far-out fences widened by a margin:
    [q1 - 3 IQR - margin, q3 + 3 IQR + margin] over the column's parsed values (quartiles
    cannot be moved by a few outliers). The margin is var `plausible_date_margin_days`.
-#}

{#- One row with `<column>_lower` / `<column>_upper` for each date or timestamp column. -#}
{% macro plausible_date_bounds(relation, columns) -%}
    {%- set margin = var('plausible_date_margin_days') | int -%}
    select
        {%- for column in columns %}
        {{ date_fence(column, 0.25, -1, margin) }} as {{ column }}_lower,
        {{ date_fence(column, 0.75, 1, margin) }} as {{ column }}_upper{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}

{% macro date_fence(column, quantile, direction, margin_days) -%}
    {%- set seconds = epoch_seconds(column) -%}
    {{ timestamp_from_epoch(
        quantile_cont(seconds, quantile) ~ "
        + " ~ direction ~ " * (
            3 * (" ~ quantile_cont(seconds, 0.75) ~ " - " ~ quantile_cont(seconds, 0.25) ~ ")
            + " ~ margin_days ~ " * 86400
        )"
    ) }}
{%- endmacro %}

{#- True when a parsed date lies outside its bounds (null dates are judged elsewhere). -#}
{% macro outside_bounds(column, bounds='bounds') -%}
    ({{ column }} < {{ bounds }}.{{ column }}_lower or {{ column }} > {{ bounds }}.{{ column }}_upper)
{%- endmacro %}
