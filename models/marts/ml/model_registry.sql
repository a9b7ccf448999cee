{#
    Every trained model version of every domain, in one layout. Each domain's training model
    appends its own rows (incrementally, per the retrain policy); this mart unions them.
#}

{%- set registries = [] %}
{%- for model_name in registry_models() %}
{%- do registries.append(ref(model_name)) %}
{%- endfor %}

with versions as (

    {{ union_all_by_name(registries) }}

),

final as (

    select
        -- ids
        model_name || '@v' || model_version as model_version_id,
        model_name,
        model_version,

        -- descriptors
        domain,
        variant,
        model_family,
        model_format,

        -- training
        trained_at,
        training_rows,
        training_fingerprint,
        feature_names,
        categorical_features,
        params,
        retrain_policy,
        retrain_reason,
        training_threads,
        training_seconds,

        -- quality
        threshold,
        primary_metric,
        primary_metric_value,
        quality_floor,
        passed_gate,
        metrics,

        -- the model and its artefacts
        model_text,
        evaluation,
        curves,
        feature_importance,
        reference_profile,

        -- latest version flag
        model_version = max(model_version) over (partition by model_name) as is_latest_version
    from versions

)

select * from final
