{#-
    Plausibility rules shared by the base models. A value that parses but cannot be right (a
    date decades away from the rest of the file, an absurd amount, a negative count) is a
    reject reason, like a value that does not parse: one typo must never move a reference
    date, a forecast period or a revenue share.

    Dates: the window is the file's own bulk, Tukey's far-out fences widened by a margin:
    [q1 - 3 IQR - margin, q3 + 3 IQR + margin] over the column's parsed values (quartiles
    cannot be moved by a few outliers). The margin is var `plausible_date_margin_days`.
-#}

{#- One row with `<column>_lower` / `<column>_upper` for each date or timestamp column. Each
    column's two quartiles come from one aggregate state (`quartiles_cont`). -#}
{% macro plausible_date_bounds(relation, columns) -%}
    {%- set margin = var('plausible_date_margin_days') | int -%}
    select
        {%- for column in columns %}
        {{ date_fence(column ~ '_quartiles', 1, -1, margin) }} as {{ column }}_lower,
        {{ date_fence(column ~ '_quartiles', 3, 1, margin) }} as {{ column }}_upper
        {{- "," if not loop.last }}
        {%- endfor %}
    from (
        select
            {%- for column in columns %}
            {{ quartiles_cont(epoch_seconds(column)) }} as {{ column }}_quartiles
            {{- "," if not loop.last }}
            {%- endfor %}
        from {{ relation }}
    ) as quartiles
{%- endmacro %}

{#- The fence on the side of quartile `which` (1: lower, direction -1; 3: upper, direction 1). -#}
{% macro date_fence(quartiles, which, direction, margin_days) -%}
    {{ timestamp_from_epoch(
        quartile(quartiles, which) ~ "
        + " ~ direction ~ " * (
            3 * (" ~ quartile(quartiles, 3) ~ " - " ~ quartile(quartiles, 1) ~ ")
            + " ~ margin_days ~ " * 86400
        )"
    ) }}
{%- endmacro %}

{#- True when a parsed date lies outside its bounds (null dates are judged elsewhere). -#}
{% macro outside_bounds(column, bounds='bounds') -%}
    ({{ column }} < {{ bounds }}.{{ column }}_lower or {{ column }} > {{ bounds }}.{{ column }}_upper)
{%- endmacro %}
