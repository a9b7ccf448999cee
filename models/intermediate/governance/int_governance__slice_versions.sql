{#
    Every registered classifier version with out-of-sample rows, and whether its fairness
    figures are computed yet, as this build starts computing them: its slices
    (ml.model_slice_metrics) and, when its domain has a sensitive attribute, its disparities
    (ml.model_fairness). A version's out-of-sample rows never change, so both models compute a
    version once, in the first build that sees it, and int_governance__slice_rows unnests the
    rows of the versions still to compute only: unnesting every version's rows in every build
    grew with the registry (about 120 MB of JSON after ten monthly builds at scale 10) until its
    tests ran out of memory.

    A table, built before both models read the rows, so that both see the same list in
    whichever order they run. `--full-refresh`: no version counts as computed.
#}

with registry as (

    {{ union_all_by_name(registry_relations()) }}

),

versions as (

    select
        model_name || '@v' || cast(model_version as string) as model_version_id,
        model_name,
        model_version,
        domain
    from registry
    where length(out_of_sample) > 2

),

with_slice_metrics as (

    {{ computed_version_ids('model_slice_metrics') }}

),

with_fairness as (

    {{ computed_version_ids('model_fairness') }}

),

sensitive_domains as (

    select distinct domain
    from {{ ref('slice_attributes') }}
    where is_sensitive

),

final as (

    select
        versions.model_version_id,
        versions.model_name,
        cast(versions.model_version as bigint) as model_version,
        versions.domain,
        sensitive_domains.domain is not null as has_sensitive_attribute,
        with_slice_metrics.model_version_id is not null as has_slice_metrics,
        with_fairness.model_version_id is not null as has_fairness,
        with_slice_metrics.model_version_id is null
        or (sensitive_domains.domain is not null and with_fairness.model_version_id is null)
            as is_pending
    from versions
    left join with_slice_metrics
        on versions.model_version_id = with_slice_metrics.model_version_id
    left join with_fairness
        on versions.model_version_id = with_fairness.model_version_id
    left join sensitive_domains
        on versions.domain = sensitive_domains.domain

)

select * from final
