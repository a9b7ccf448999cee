{#- No registered model of the domain uses a column listed in the forbidden_features seed. -#}
{% test no_forbidden_features(model, domain) %}

with registry as (
    select model_name, model_version, {{ unnest_json_strings('feature_names') }} as feature
    from {{ model }}
),

forbidden as (
    select column_name from {{ ref('forbidden_features') }} where domain = '{{ domain }}'
)

select registry.*
from registry
inner join forbidden
    on registry.feature = forbidden.column_name

{% endtest %}


{#- The quality gate: the latest version of every gated model must reach its floor. A failure
    stops `dbt build` from refreshing the scoring models downstream. -#}
{% test passes_quality_gate(model) %}

with latest as (
    select *
    from {{ model }}
    qualify row_number() over (partition by model_name order by model_version desc) = 1
)

select model_name, model_version, primary_metric, primary_metric_value, quality_floor
from latest
where not passed_gate

{% endtest %}


{#- Every score names a (model_name, model_version) that exists in the registry. -#}
{% test registered_version(model, registry) %}

select scores.model_name, scores.model_version, count(*) as scores
from {{ model }} as scores
left join {{ registry }} as registry
    on scores.model_name = registry.model_name
    and scores.model_version = registry.model_version
where registry.model_name is null
group by scores.model_name, scores.model_version

{% endtest %}
