{#-
    The settings of this build's Python models, written by an on-run-start hook on every dbt
    command (so a partial build, e.g. `--select churn_model_versions --vars ...`, never reads
    stale settings) as the table ml.build_settings, which the Python models read as the source
    `ml.build_settings` (the dashboard reads it from the snapshot too: the currencies; and so
    does the raw-record scorer, revenue_ml.score: the staging limits of the raw sources, domains
    telco_churn, sales_pipeline and marketing_campaign). One row per setting: each is a var of
    dbt_project.yml (defined and
    documented there, nowhere else) or dbt's thread count; revenue_ml/settings.py turns the rows
    of `ml` (shared) and of a domain into that domain's typed settings object (a wrong type
    fails there, naming the var). The setting's name is the var's without the domain prefix:
    var `churn_cv_folds` is setting `cv_folds` of domain `churn`.
-#}

{% macro build_settings() -%}
    {{ return([
        ('ml', 'retrain_policy'),
        ('ml', 'ml_threads'),
        ('ml', 'drift_ks_threshold'),
        ('ml', 'drift_psi_threshold'),
        ('ml', 'champion_margin'),
        ('ml', 'mlflow_tracking_uri'),
        ('ml', 'mlflow_experiment_name'),
        ('ml', 'mlflow_model_prefix'),
        ('ml', 'dataset_label'),
        ('sales', 'sales_auc_floor_at_close'),
        ('sales', 'sales_auc_floor_at_open'),
        ('sales', 'sales_auc_floor_by_age'),
        ('sales', 'sales_baseline_margin'),
        ('sales', 'sales_win_horizon_days'),
        ('sales', 'sales_gate_min_positives'),
        ('churn', 'churn_auc_floor'),
        ('churn', 'churn_cv_folds'),
        ('churn', 'churn_gate_min_positives'),
        ('churn', 'churn_search_max_candidates'),
        ('churn', 'churn_baseline_margin'),
        ('campaign', 'campaign_auc_floor'),
        ('campaign', 'campaign_cv_folds'),
        ('campaign', 'campaign_gate_min_positives'),
        ('campaign', 'campaign_segment_seed'),
        ('campaign', 'campaign_baseline_margin'),
        ('campaign', 'campaign_repeated_splits'),
        ('campaign', 'campaign_profit_bootstrap'),
        ('enrollment', 'enrollment_backtest_periods'),
        ('enrollment', 'enrollment_baseline_margin'),
        ('enrollment', 'enrollment_interval_level'),
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
        ('ecommerce', 'ecommerce_insiders_min_net_revenue'),
        ('ecommerce', 'ecommerce_insiders_include_unidentified'),
        ('sales', 'sales_currency'),
        ('churn', 'churn_currency'),
        ('campaign', 'campaign_currency'),
        ('ecommerce', 'ecommerce_currency'),
        ('telco_churn', 'telco_churn_max_minutes'),
        ('sales_pipeline', 'sales_pipeline_max_price'),
        ('marketing_campaign', 'marketing_campaign_max_income'),
        ('marketing_campaign', 'marketing_campaign_max_spend'),
    ]) }}
{%- endmacro %}

{#- A build setting's value: the environment variable REVENUE_ML_<VAR NAME IN CAPITALS> when it
    is set and not empty, else the var. Only the Python models (and the build's own logs) read
    these, so changing one through the environment between two builds keeps dbt's partial
    parse: `REVENUE_ML_RETRAIN_POLICY=always dbt build` then `dbt build` parses once, where
    `--vars '{retrain_policy: always}'` makes dbt parse the whole project again (~9 s) every
    time the vars differ from the previous command's. -#}
{% macro build_setting(var_name) -%}
    {%- set from_env = env_var('REVENUE_ML_' ~ (var_name | upper), '') -%}
    {%- if from_env != '' -%}
        {{ return(from_env) }}
    {%- endif -%}
    {{ return(var(var_name)) }}
{%- endmacro %}

{#- on-run-start: (re)write ml.build_settings with this invocation's vars. -#}
{% macro write_build_settings() -%}
    {%- if execute -%}
        {%- set rows = [] -%}
        {%- for domain, var_name in build_settings() -%}
            {%- set value = build_setting(var_name) -%}
            {%- set setting = var_name[domain | length + 1:] if domain != 'ml' else var_name -%}
            {%- do rows.append(
                "(" ~ sql_literal(domain) ~ ", " ~ sql_literal(setting) ~ ", "
                ~ sql_literal(var_name) ~ ", "
                ~ ("cast(null as string)" if value is none else sql_literal(value)) ~ ")"
            ) -%}
        {%- endfor -%}
        {%- do rows.append(
            "('ml', 'dbt_invocation_id', 'invocation_id (dbt)', "
            ~ sql_literal(invocation_id) ~ ")"
        ) -%}
        {%- do rows.append(
            "('ml', 'dbt_threads', 'threads (profiles.yml or --threads)', "
            ~ sql_literal(target.threads) ~ ")"
        ) -%}
        {%- do run_query("create schema if not exists ml") -%}
        {%- do replace_table_as(
            "ml.build_settings",
            "select * from (values " ~ rows | join(", ")
            ~ ") as settings (domain, setting, var_name, setting_value)"
        ) -%}
    {%- endif -%}
{%- endmacro %}
