{#- The model versions the incremental table of `model_name` holds as this build finds it, as
    a select of `model_version_id`: none (no row) while parsing, before its first build, or
    under `--full-refresh`. Read by name (relation_without_dependency), not with ref(): the
    models that read the list are upstream of that table. -#}
{% macro computed_version_ids(model_name) -%}
    {%- set relation = relation_without_dependency(model_name) %}
    {%- if relation is not none and not flags.FULL_REFRESH %}
    {%- set relation = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) %}
    {%- else %}
    {%- set relation = none %}
    {%- endif %}
    {%- if relation is none %}
    select cast(null as string) as model_version_id
    where 1 = 0
    {%- else %}
    select distinct model_version_id from {{ relation }}
    {%- endif %}
{%- endmacro %}
