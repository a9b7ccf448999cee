{{ config(
    materialized='incremental',
    on_schema_change='append_new_columns',
    post_hook="{{ enrollment_warn_on_version_drift(this) }}"
) }}
{#
    One row per dbt run: the versions of the reference's version.yml in force (vars
    raw_version, platinum_version, features_version, target_version, experiment_name) and the
    previous run's. Bumping an upstream version without those that depend on it
    (raw_version => platinum_version => features_version and target_version) fills
    version_warning, which the post-hook logs as a dbt warning naming the var to bump and the
    enrollment_versions_consistent test (severity warn) reports.
#}

with current_run as (

    select
        '{{ invocation_id }}' as dbt_invocation_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at,
        '{{ var("enrollments_source", "institute") }}' as enrollments_source,
        {{ enrollment_version_columns() }}

),

previous_run as (

    {%- if is_incremental() %}
    select * from {{ this }}
    where run_started_at < (select run_started_at from current_run)
    order by run_started_at desc
    limit 1
    {%- else %}
    select * from current_run
    where false
    {%- endif %}

),

compared as (

    select
        current_run.*,
        previous_run.raw_version as previous_raw_version,
        previous_run.platinum_version as previous_platinum_version,
        previous_run.features_version as previous_features_version,
        previous_run.target_version as previous_target_version,
        previous_run.experiment_name as previous_experiment_name,
        current_run.raw_version != previous_run.raw_version as raw_changed,
        current_run.platinum_version != previous_run.platinum_version as platinum_changed,
        current_run.features_version != previous_run.features_version as features_changed,
        current_run.target_version != previous_run.target_version as target_changed
    from current_run
    left join previous_run
        on true

),

final as (

    select
        -- ids
        dbt_invocation_id,
        run_started_at,
        enrollments_source,

        -- versions in force and the previous run's
        raw_version,
        platinum_version,
        features_version,
        target_version,
        experiment_name,
        previous_raw_version,
        previous_platinum_version,
        previous_features_version,
        previous_target_version,
        previous_experiment_name,

        -- the dependency rule: raw_version => platinum_version => features_version, target_version
        nullif(concat_ws(
            '; ',
            case when raw_changed and not platinum_changed then
                    'raw_version changed (' || previous_raw_version || ' -> ' || raw_version
                    || ') but platinum_version is still ' || platinum_version
                    || ': bump the var enrollment_platinum_version'
                    || ' (raw_version => platinum_version)'
            end,
            case when platinum_changed and not features_changed then
                    'platinum_version changed (' || previous_platinum_version || ' -> '
                    || platinum_version || ') but features_version is still ' || features_version
                    || ': bump the var enrollment_features_version'
                    || ' (platinum_version => features_version)'
            end,
            case when platinum_changed and not target_changed then
                    'platinum_version changed (' || previous_platinum_version || ' -> '
                    || platinum_version || ') but target_version is still ' || target_version
                    || ': bump the var enrollment_target_version'
                    || ' (platinum_version => target_version)'
            end
        ), '') as version_warning
    from compared

)

select * from final
