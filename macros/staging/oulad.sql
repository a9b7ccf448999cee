{#- OULAD presentations are a year plus B (February start) or J (October start);
    as an enrollment period (int YYYYMM): 2013B -> 201302, 2013J -> 201310. -#}
{% macro oulad_presentation_to_periodo(column) -%}
    (cast(left({{ column }}, 4) as integer) * 100
        + case right({{ column }}, 1) when 'B' then 2 else 10 end)
{%- endmacro %}
