{#-
    Personal data (docs/governance.md). A column that describes a person (income, age or year of
    birth, marital status, education, children at home, a first name, where someone lives, a raw
    record holding any of these) is tagged in its model's YAML:

        - name: income
          config:
            meta: {pii: true}

    The test tests/quality/assert_personal_columns_are_tagged.sql fails when a column whose name
    looks personal (the pattern below) is not tagged at all; a column that only looks personal
    (an average over a segment, an offer's age) is tagged `pii: false`, which says the decision
    was made. quality.pii_columns lists the tagged columns for the dashboard (hidden unless
    REVENUE_ML_SHOW_PII=1) and the docs.
-#}

{#- Column names that look like they describe a person (DuckDB regular expression, matched on
    the lower-cased name). -#}
{% macro personal_column_pattern() -%}
    {{ return(
        '(^|_)(income|birth|marital|education|gender|email|phone|address|kids|kidhome|teens|'
        ~ 'teenhome|children|disability|religion|ethnicity|imd_band|household|first_name|'
        ~ 'last_name|full_name)(_|$)'
        ~ '|^(age|age_band|sex|city|state|country|region|area_code|postcode|zip|raw_record)$'
    ) }}
{%- endmacro %}

{#- The pii meta of a column node: true, false, or none when untagged. -#}
{% macro column_pii(column) -%}
    {%- set meta = column.meta or {} -%}
    {%- set config_meta = (column.config or {}).get('meta') or {} -%}
    {%- if 'pii' in config_meta -%}
        {{ return(config_meta['pii'] in [true, 'true', 'True', 'yes']) }}
    {%- elif 'pii' in meta -%}
        {{ return(meta['pii'] in [true, 'true', 'True', 'yes']) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- Every tagged column of the project's models and seeds: [(schema, relation, column, pii)]. -#}
{% macro tagged_columns() -%}
    {%- set rows = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values()
            if node.resource_type in ['model', 'seed'] and node.package_name == project_name -%}
            {%- for column in node.columns.values() -%}
                {%- set pii = column_pii(column) -%}
                {%- if pii is not none -%}
                    {%- do rows.append((node.schema, node.alias or node.name, column.name, pii)) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(rows | sort) }}
{%- endmacro %}
