{#- The raw tables the build audits and accounts for (macro raw_tables) against the sources
    declared in models/staging/*/_<source>__sources.yml: every listed table is declared, and
    every declared source (but `ml` and `quality`, which the build writes itself) has a table in the list,
    so a new source cannot be staged without being audited and counted in raw_row_accounting.
    A source's alternative tables (the OULAD files while enrollments_source is `institute`)
    may be absent from the list. Rows = mismatches. -#}
{%- set declared = [] %}
{%- if execute %}
{%- for node in graph.sources.values() if node.source_name not in ['ml', 'quality'] %}
{%- do declared.append((node.source_name, node.name)) %}
{%- endfor %}
{%- endif %}

with listed as (
    {{ literal_rows(raw_tables(), ['source_name', 'table_name']) }}
),

declared as (
    {{ literal_rows(declared, ['source_name', 'table_name']) }}
),

listed_not_declared as (
    select
        listed.source_name,
        listed.table_name,
        'listed in raw_tables() but not a declared source' as problem
    from listed
    left join declared
        on listed.source_name = declared.source_name
            and listed.table_name = declared.table_name
    where listed.source_name is not null and declared.source_name is null
),

sources_not_listed as (
    select
        declared.source_name,
        min(declared.table_name) as table_name,
        'a declared source with no table in raw_tables()' as problem
    from declared
    where declared.source_name is not null
        and declared.source_name not in (
            select listed.source_name from listed
            where listed.source_name is not null
        )
    group by declared.source_name
)

select * from listed_not_declared
union all
select * from sources_not_listed
