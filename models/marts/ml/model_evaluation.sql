{# One row per model version, evaluation, fold and metric: the shared evaluation layout. #}

with registry as (

    select * from {{ ref('model_registry') }}

),

unnested as (

    select
        model_version_id,
        model_name,
        model_version,
        domain,
        model_family,
        {{ unnest_evaluation('evaluation') }} as row
    from registry

),

final as (

    select
        -- ids
        model_version_id,
        model_name,
        model_version,

        -- descriptors
        domain,
        model_family,
        row.evaluation as evaluation,
        row.fold as fold,
        row.metric as metric,

        -- value
        row.value as metric_value
    from unnested

)

select * from final
