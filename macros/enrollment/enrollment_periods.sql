{#- The enrollment calendar, per enrollments_source. Periods are ints YYYYMM.
    institute: monthly (202412 -> 202501). oulad: two presentations a year, B = February and
    J = October (201302 -> 201310 -> 201402). "The same period a year earlier" is periodo - 100
    for both. -#}
{% macro enrollment_next_periodo(periodo) -%}
    {%- if var('enrollments_source', 'institute') == 'oulad' -%}
        (case when {{ periodo }} % 100 < 10 then ({{ periodo }} // 100) * 100 + 10
              else ({{ periodo }} // 100 + 1) * 100 + 2 end)
    {%- else -%}
        (case when {{ periodo }} % 100 = 12 then {{ periodo }} + 89 else {{ periodo }} + 1 end)
    {%- endif -%}
{%- endmacro %}


{#- The versions of the reference's version.yml, as literal columns recorded on every output row. -#}
{% macro enrollment_version_columns() -%}
        cast('{{ var("enrollment_raw_version") }}' as varchar) as raw_version,
        cast('{{ var("enrollment_platinum_version") }}' as varchar) as platinum_version,
        cast('{{ var("enrollment_features_version") }}' as varchar) as features_version,
        cast('{{ var("enrollment_target_version") }}' as varchar) as target_version,
        cast('{{ var("enrollment_experiment_name") }}' as varchar) as experiment_name
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
