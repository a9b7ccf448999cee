{#-
    Schemas follow the folders, so a new domain needs no schema config:
    - a model under models/marts/<domain>/ goes to schema <domain> (`churn.churn_scores`);
    - a Python model (python_models/<domain>/) goes to `ml`, next to the registry;
    - anything with an explicit `+schema` (staging, intermediate, quality, seeds) keeps it,
      used as is rather than dbt's default `<target>_<schema>`.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is not none -%}
        {{ custom_schema_name | trim }}
    {%- elif node.resource_type == 'model' and node.fqn | length > 3 and node.fqn[1] == 'marts' -%}
        {{ node.fqn[2] }}
    {%- elif node.resource_type == 'model' and node.language == 'python' -%}
        ml
    {%- else -%}
        {{ target.schema }}
    {%- endif -%}
{%- endmacro %}
