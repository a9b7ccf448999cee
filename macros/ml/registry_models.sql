{#- The per-domain registry tables that `model_registry` unions. Add a domain's
    `<entity>_model_versions` model here when it starts registering models (and tag it
    `model_registry`: tests/ml/assert_registry_models_are_the_tagged_ones.sql). dbt finds a
    model's parents when it parses it, before the graph exists, so this list cannot be read
    from the tag itself. -#}
{% macro registry_models() -%}
    {{ return(['offer_model_versions', 'churn_model_versions', 'campaign_model_versions', 'enrollment_model_versions', 'ecommerce_model_versions']) }}
{%- endmacro %}

{#- The registries of registry_models() as relations (ref(), so a model calling this depends on
    each): `{{ union_all_by_name(registry_relations()) }}` reads every registered version. -#}
{% macro registry_relations() -%}
    {%- set relations = [] %}
    {%- for model_name in registry_models() %}
    {%- do relations.append(ref(model_name)) %}
    {%- endfor %}
    {{ return(relations) }}
{%- endmacro %}

{#- The drift tables `model_feature_drift` unions: exactly the models tagged `feature_drift`
    (tests/ml/assert_drift_models_are_the_tagged_ones.sql). -#}
{% macro drift_models() -%}
    {{ return(['offer_feature_drift', 'churn_feature_drift']) }}
{%- endmacro %}

{#- Rows for a singular test: the names of `listed` that are not models tagged `tag`, and the
    models tagged `tag` that are not listed (a list derived by hand cannot drift from the graph). -#}
{% macro list_matches_tag(listed, tag) -%}
{%- set tagged = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() %}
        {%- if node.resource_type == 'model' and tag in node.tags %}
            {%- do tagged.append(node.name) %}
        {%- endif %}
    {%- endfor %}
{%- endif %}
with listed as (
    {{ literal_rows(listed, ['model_name']) }}
),

tagged as (
    {{ literal_rows(tagged, ['model_name']) }}
)

select
    coalesce(listed.model_name, tagged.model_name) as model_name,
    listed.model_name is not null as is_listed,
    tagged.model_name is not null as is_tagged
from listed
full outer join tagged
    on listed.model_name = tagged.model_name
where (listed.model_name is null or tagged.model_name is null)
    and coalesce(listed.model_name, tagged.model_name) is not null
{%- endmacro %}

{#- The scoring marts whose runs `model_run_history` records: each has model_name,
    model_version, scored_at and the named prediction column. Add a domain's mart here and tag
    it `scoring_mart` (tests/ml/assert_scoring_marts_are_the_tagged_ones.sql checks both agree). -#}
{% macro scoring_marts() -%}
    {{ return([
        {'mart': 'offer_scores', 'prediction': 'probability'},
        {'mart': 'churn_scores', 'prediction': 'probability'},
        {'mart': 'campaign_scores', 'prediction': 'probability'},
        {'mart': 'enrollment_forecast', 'prediction': 'predict_alumnos'},
    ]) }}
{%- endmacro %}
