{#- The enrollment calendar, per enrollments_source. Periods are ints YYYYMM.
    institute: monthly (202412 -> 202501). oulad: two presentations a year, B = February and
    J = October (201302 -> 201310 -> 201402). "The same period a year earlier" is periodo - 100
    for both. A period's number counts periods since year 0, so the period n steps after p is
    enrollment_periodo_at(enrollment_period_number(p) + n). -#}
{% macro enrollment_period_number(periodo) -%}
    {%- set p = '(' ~ periodo ~ ')' -%}
    {%- if var('enrollments_source', 'institute') == 'oulad' -%}
        ({{ int_div(p, 100) }} * 2 + case when {{ p }} % 100 < 10 then 0 else 1 end)
    {%- else -%}
        ({{ int_div(p, 100) }} * 12 + {{ p }} % 100 - 1)
    {%- endif -%}
{%- endmacro %}

{% macro enrollment_periodo_at(period_number) -%}
    {%- set n = '(' ~ period_number ~ ')' -%}
    {%- if var('enrollments_source', 'institute') == 'oulad' -%}
        ({{ int_div(n, 2) }} * 100 + case when {{ n }} % 2 = 0 then 2 else 10 end)
    {%- else -%}
        ({{ int_div(n, 12) }} * 100 + {{ n }} % 12 + 1)
    {%- endif -%}
{%- endmacro %}


{#- The versions of the reference's version.yml, as literal columns recorded on every output row. -#}
{% macro enrollment_version_columns() -%}
        cast('{{ var("enrollment_raw_version") }}' as string) as raw_version,
        cast('{{ var("enrollment_platinum_version") }}' as string) as platinum_version,
        cast('{{ var("enrollment_features_version") }}' as string) as features_version,
        cast('{{ var("enrollment_target_version") }}' as string) as target_version,
        cast('{{ var("enrollment_experiment_name") }}' as string) as experiment_name
{%- endmacro %}


{#- Post-hook of enrollment_run_versions: logs a dbt warning naming the var(s) to bump when this
    run changed an upstream version without the ones that depend on it
    (raw_version => platinum_version => features_version, target_version). -#}
{% macro enrollment_warn_on_version_drift(relation) %}
    {%- if execute -%}
        {%- set found = run_query(
            "select version_warning from " ~ relation
            ~ " where dbt_invocation_id = '" ~ invocation_id ~ "' and version_warning is not null"
        ) -%}
        {%- for row in found.rows -%}
            {%- do exceptions.warn("enrollment versions: " ~ row[0]) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}
