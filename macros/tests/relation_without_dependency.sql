{#-
    The relation a model is built into, found by name in the graph, without ref(): a test that
    reads another model this way is not selected when only that model is built (dbt selects a
    test when any model it refs is selected). For checks that compare a model with the models
    upstream of it, such as "every registered version has a card": a build that retrains one
    domain's registry without rebuilding the cards should not run them; a build that builds
    the cards runs them after the registry, which the cards depend on.
    While parsing (no graph yet) it returns none.
-#}
{% macro relation_without_dependency(model_name) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.name == model_name -%}
        {{ return(api.Relation.create(
            database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("relation_without_dependency: no model " ~ model_name) }}
{%- endmacro %}

{#- Every version of ml.model_registry has a row in `model` (by model_version_id). Rows
    returned = the versions missing. -#}
{% test covers_every_registered_version(model) %}
    {%- set registry = relation_without_dependency('model_registry') %}
    {%- if registry is none %}
    select cast(null as string) as model_version_id where false
    {%- else %}
    select model_version_id from {{ registry }}
    except
    select model_version_id from {{ model }}
    {%- endif %}
{% endtest %}
