{#-
    The settings of this build's Python models, one row per setting: each is a var of
    dbt_project.yml (defined and documented there, nowhere else) or dbt's thread count. A Python
    model reads the rows of `ml` (the lifecycle settings every domain shares) and of its own
    domain, and revenue_ml/settings.py turns them into that domain's typed settings object
    (a wrong type fails there, naming the var). The setting's name is the var's without the
    domain prefix: var `churn_cv_folds` is setting `cv_folds` of domain `churn` (the shared `ml`
    settings keep the var's name).
-#}

{%- set settings = [
    ('ml', 'retrain_policy'),
    ('ml', 'ml_threads'),
    ('ml', 'drift_ks_threshold'),
    ('ml', 'drift_psi_threshold'),
    ('sales', 'sales_auc_floor_at_close'),
    ('sales', 'sales_auc_floor_at_open'),
    ('churn', 'churn_auc_floor'),
    ('churn', 'churn_cv_folds'),
    ('churn', 'churn_gate_min_positives'),
    ('churn', 'churn_search_max_candidates'),
    ('campaign', 'campaign_auc_floor'),
    ('campaign', 'campaign_cv_folds'),
    ('campaign', 'campaign_gate_min_positives'),
    ('campaign', 'campaign_segment_seed'),
    ('enrollment', 'enrollment_backtest_periods'),
    ('enrollment', 'enrollment_raw_version'),
    ('enrollment', 'enrollment_platinum_version'),
    ('enrollment', 'enrollment_features_version'),
    ('enrollment', 'enrollment_target_version'),
    ('enrollment', 'enrollment_experiment_name'),
    ('ecommerce', 'ecommerce_segment_k_min'),
    ('ecommerce', 'ecommerce_segment_k_max'),
    ('ecommerce', 'ecommerce_selection_min_k'),
    ('ecommerce', 'ecommerce_segment_seed'),
    ('ecommerce', 'ecommerce_silhouette_sample_size'),
    ('ecommerce', 'ecommerce_forest_trees'),
    ('ecommerce', 'ecommerce_forest_max_leaf_nodes'),
    ('ecommerce', 'ecommerce_insiders_revenue_share_target'),
    ('ecommerce', 'ecommerce_insiders_max_customer_share'),
] %}

with settings as (

    {%- for domain, var_name in settings %}
    {%- set value = var(var_name) %}
    select
        '{{ domain }}' as domain,
        '{{ var_name[domain | length + 1:] if domain != "ml" else var_name }}' as setting,
        '{{ var_name }}' as var_name,
        {{ "null" if value is none else "'" ~ (value | string | replace("'", "''")) ~ "'" }}
            as setting_value
    union all
    {%- endfor %}
    select
        'ml' as domain,
        'dbt_threads' as setting,
        'threads (profiles.yml or --threads)' as var_name,
        '{{ target.threads }}' as setting_value

),

final as (

    select
        -- ids
        cast(domain as varchar) as domain,
        cast(setting as varchar) as setting,

        -- attributes
        cast(var_name as varchar) as var_name,
        cast(setting_value as varchar) as setting_value
    from settings

)

select * from final
