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

{%- set registries = [] %}
{%- for model_name in registry_models() %}
{%- do registries.append(ref(model_name)) %}
{%- endfor %}

{#- the tables as this build finds them (none: absent, parsing, or --full-refresh) -#}
{%- set computed = {} %}
{%- for model_name in ['model_slice_metrics', 'model_fairness'] %}
{%- set relation = relation_without_dependency(model_name) %}
{%- if relation is not none and not flags.FULL_REFRESH %}
{%- do computed.update({model_name: adapter.get_relation(
    database=relation.database, schema=relation.schema, identifier=relation.identifier
)}) %}
{%- else %}
{%- do computed.update({model_name: none}) %}
{%- endif %}
{%- endfor %}

with registry as (

    {{ union_all_by_name(registries) }}

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

    {%- if computed['model_slice_metrics'] is none %}
    select cast(null as string) as model_version_id
    where 1 = 0
    {%- else %}
    select distinct model_version_id from {{ computed['model_slice_metrics'] }}
    {%- endif %}

),

with_fairness as (

    {%- if computed['model_fairness'] is none %}
    select cast(null as string) as model_version_id
    where 1 = 0
    {%- else %}
    select distinct model_version_id from {{ computed['model_fairness'] }}
    {%- endif %}

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
