{#-
    The raw tables this build reads, as (source, table) pairs: the one list the raw-file list
    (`quality.raw_files`, which the raw-file audit checks), the rejects models and the quality
    marts follow. Each table has a base model `base_<source>__<table>` and its source a rejects
    model `stg_<source>__rejects`; the file's path and encoding are the vars
    `<source>_<table>_path` and `<source>_<table>_encoding`. The enrollment files depend on var
    `enrollments_source` (the institute's extract or the OULAD files). The file layouts
    themselves are revenue_ml/contracts.py (tested equal to the sources' columns). dbt infers a
    model's refs when it parses it, before the graph of sources exists, so this list is written
    here rather than read from the sources; tests/staging/assert_raw_tables_cover_every_source.sql
    fails when a declared source is missing from it.
-#}
{% macro raw_tables() -%}
    {%- set tables = [
        ('sales_pipeline', 'offers'),
        ('sales_pipeline', 'leads'),
        ('online_retail', 'transactions'),
        ('telco_churn', 'customers'),
        ('marketing_campaign', 'customers'),
    ] -%}
    {%- if var('enrollments_source') == 'oulad' -%}
        {%- do tables.extend([
            ('enrollments', 'oulad_registrations'),
            ('enrollments', 'oulad_courses'),
            ('enrollments', 'oulad_student_info'),
        ]) -%}
    {%- else -%}
        {%- do tables.append(('enrollments', 'enrollments')) -%}
    {%- endif -%}
    {{ return(tables) }}
{%- endmacro %}

{#- The sources of raw_tables(), in order. -#}
{% macro raw_sources() -%}
    {%- set names = [] -%}
    {%- for source_name, table_name in raw_tables() -%}
        {%- if source_name not in names -%}{%- do names.append(source_name) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- The body of `stg_<source>__rejects`: the raw rows of the source's tables that could not be
    staged, with the reason and the whole raw row as JSON. -#}
{% macro rejects_of(source_name) -%}
with final as (

    {%- for source, table_name in raw_tables() if source == source_name %}
    select
        '{{ table_name }}' as source_table,
        source_row_number,
        reject_reason,
        raw_record
    from {{ ref('base_' ~ source ~ '__' ~ table_name) }}
    where reject_reason is not null
    {{ "union all" if not loop.last }}
    {%- endfor %}

)

select * from final
{%- endmacro %}
