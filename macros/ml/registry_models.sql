{#- The per-domain registry tables that `model_registry` unions. Add a domain's
    `<entity>_model_versions` model here when it starts registering models. -#}
{% macro registry_models() -%}
    {{ return(['offer_model_versions', 'churn_model_versions', 'campaign_model_versions', 'enrollment_model_versions', 'ecommerce_model_versions']) }}
{%- endmacro %}

{#- The scoring marts whose runs `model_run_history` records: each has model_name,
    model_version, scored_at and the named prediction column. Add a domain's mart here. -#}
{% macro scoring_marts() -%}
    {{ return([
        {'mart': 'offer_scores', 'prediction': 'probability'},
        {'mart': 'churn_scores', 'prediction': 'probability'},
        {'mart': 'campaign_scores', 'prediction': 'probability'},
        {'mart': 'enrollment_forecast', 'prediction': 'predict_alumnos'},
    ]) }}
{%- endmacro %}
