{# Per model version and feature: LightGBM gain and mean |contribution| on the training rows. #}

with registry as (

    select
        model_version_id,
        model_name,
        model_version,
        domain,
        model_family,
        feature_importance
    from {{ ref('model_registry') }}

),

unnested as (

    select
        model_version_id,
        model_name,
        model_version,
        domain,
        model_family,
        {{ unnest_json_records('feature_importance', {
            'feature': 'string', 'gain': 'DOUBLE', 'mean_abs_contribution': 'DOUBLE'}) }} as row
    from registry

),

final as (

    select
        model_version_id,
        model_name,
        model_version,
        domain,
        model_family,
        row.feature as feature,
        row.gain as gain,
        row.mean_abs_contribution as mean_abs_contribution,
        cast(row_number() over (
            partition by model_version_id order by row.mean_abs_contribution desc, row.feature asc
        ) as bigint) as importance_rank
    from unnested

)

select * from final
