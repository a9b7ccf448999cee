{#
    Drift of every scoring batch against the training data of the model that scores it, one
    row per model and feature: each scoring domain's drift table (macro drift_models), in one
    layout, for the Model health page.
#}

with drift as (

    {%- for model_name in drift_models() %}
    select
        model_name,
        model_version,
        reference_rows,
        feature,
        feature_kind,
        ks_statistic,
        psi,
        batch_rows,
        ks_threshold,
        psi_threshold,
        is_drifted
    from {{ ref(model_name) }}
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

final as (

    select
        -- ids
        cast(model_name as string) as model_name,
        cast(model_version as bigint) as model_version,
        cast(feature as string) as feature,

        -- comparison
        cast(feature_kind as string) as feature_kind,
        cast(reference_rows as bigint) as reference_rows,
        cast(batch_rows as bigint) as batch_rows,
        cast(ks_statistic as double) as ks_statistic,
        cast(psi as double) as psi,
        cast(ks_threshold as double) as ks_threshold,
        cast(psi_threshold as double) as psi_threshold,
        cast(is_drifted as boolean) as is_drifted,
        -- which test flagged the feature, with its figure and threshold (null when none did)
        case
            when ks_statistic > ks_threshold and psi > psi_threshold
                then 'KS ' || printf('%.3f', cast(ks_statistic as double)) || ' > '
                    || printf('%.2f', cast(ks_threshold as double))
                    || ' and PSI ' || printf('%.3f', cast(psi as double)) || ' > '
                    || printf('%.2f', cast(psi_threshold as double))
            when ks_statistic > ks_threshold
                then 'KS ' || printf('%.3f', cast(ks_statistic as double)) || ' > '
                    || printf('%.2f', cast(ks_threshold as double))
            when psi > psi_threshold
                then 'PSI ' || printf('%.3f', cast(psi as double)) || ' > '
                    || printf('%.2f', cast(psi_threshold as double))
        end as flagged_by
    from drift

)

select * from final
