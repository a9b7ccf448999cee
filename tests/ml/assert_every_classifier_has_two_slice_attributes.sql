{#- Every registered classifier version that stores out-of-sample predictions is sliced by at
    least two attributes in ml.model_slice_metrics, and every forecast version by at least one
    (docs/governance.md). A new classifier whose domain declares no attribute fails here, named
    with the fix. Rows returned = failure. -#}
{#- The registries are read by name from the graph, not with ref(): a build that selects a
    registry but not the slices (retraining one domain) has not recomputed the slices yet, and
    should not run this test; a build that selects the slices runs it after every registry,
    which the slices depend on. -#}
{%- set registries = [] %}
{%- for model_name in registry_models() %}
{%- set relation = relation_without_dependency(model_name) %}
{%- if relation is not none %}{% do registries.append(relation) %}{% endif %}
{%- endfor %}

with registry as (

    {%- if registries %}
    {{ union_all_by_name(registries) }}
    {%- else %}
    -- parsing (no graph yet): the columns read below, no rows
    select
        cast(null as string) as model_name,
        cast(null as bigint) as model_version,
        cast(null as string) as domain,
        cast(null as string) as out_of_sample
    where false
    {%- endif %}

),

expected as (

    select
        model_name || '@v' || cast(model_version as string) as model_version_id,
        domain,
        2 as min_attributes
    from registry
    where length(out_of_sample) > 2

    union all

    select distinct
        model_version_id,
        domain,
        1 as min_attributes
    from {{ ref('int_governance__forecast_site_slices') }}

),

computed as (

    select
        model_version_id,
        count(distinct case when not is_overall then slice_attribute end) as attributes
    from {{ ref('model_slice_metrics') }}
    group by model_version_id

)

select
    expected.model_version_id,
    expected.domain,
    coalesce(computed.attributes, 0) as attributes,
    expected.min_attributes,
    'declare at least ' || cast(expected.min_attributes as string) || ' slice attribute(s) of '
    || 'domain ' || expected.domain || ' in seeds/ml/slice_attributes.csv and derive their '
    || 'groups in int_governance__slice_rows.sql' as fix
from expected
left join computed
    on expected.model_version_id = computed.model_version_id
where coalesce(computed.attributes, 0) < expected.min_attributes
