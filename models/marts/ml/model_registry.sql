{#
    Every trained model version of every domain, in one layout. Each domain's training model
    appends its own rows (incrementally, per the retrain policy); this mart unions them and adds
    each version's current alias (revenue_ml/ml/champion.py is the Python twin, tested equal):
    the champion is the passing version that became champion last (promoted_at when it was
    promoted, else trained_at when it was registered as champion; rows from before aliases
    existed count as registered champions); the challenger is the newest version above it.
#}

with unioned as (

    {{ union_all_by_name(registry_relations()) }}

),

versions as (

    select
        *,
        coalesce(
            promoted_at,
            case when coalesce(registered_alias, 'champion') = 'champion' then trained_at end
        ) as champion_since
    from unioned

),

champions as (

    select
        model_name,
        model_version as champion_version
    from versions
    where passed_gate and champion_since is not null
    qualify
        row_number() over (
            partition by model_name order by champion_since desc, model_version desc
        ) = 1

),

challengers as (

    select
        versions.model_name,
        max(versions.model_version) as challenger_version
    from versions
    inner join champions
        on
            versions.model_name = champions.model_name
            and versions.model_version > champions.champion_version
    group by versions.model_name

),

final as (

    select
        -- ids
        versions.model_name || '@v' || versions.model_version as model_version_id,
        versions.model_name,
        versions.model_version,

        -- champion / challenger
        case
            when versions.model_version = champions.champion_version then 'champion'
            when versions.model_version = challengers.challenger_version then 'challenger'
        end as alias,
        coalesce(versions.model_version = champions.champion_version, false) as is_champion,
        versions.registered_alias,
        versions.alias_reason,
        versions.compared_with_version,
        versions.compared_with_value,
        versions.promoted_at,
        versions.champion_since,
        versions.mlflow_run_id,

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
        versions.model_version = max(versions.model_version) over (
            partition by versions.model_name
        ) as is_latest_version
    from versions
    left join champions
        on versions.model_name = champions.model_name
    left join challengers
        on versions.model_name = challengers.model_name

)

select * from final
