{{ config(materialized='view') }}
{#
    The input of the fairness slices (ml.model_slice_metrics, ml.model_fairness): one row per
    registered classifier version, decision context, labelled row and slice attribute, with the
    row's out-of-sample probability and the group it falls in (docs/governance.md).

    Predictions: every classifier version stores the out-of-sample probability of each row it
    was trained on (the registry's `out_of_sample`: out-of-fold for the cross-validated part,
    the fit part's model for the held-out part), the same figures the scoring marts show for
    training rows (churn_scores, campaign_scores, offer_scores with score_source cv_* /
    test_split / time_holdout). Reading them from the registry gives every version its slices,
    baselines and the at-open offer model included; versions without them (segmentations,
    forecasts, the landmark by-age offer model) have no rows here.

    Decisions: a version's registered threshold (context `all`), or, for the campaign model,
    each business objective's threshold (the version's evaluation rows `objective`).

    Groups: declared in seeds/ml/slice_attributes.csv (only those rows pass the final join) and
    derived here per domain; ages and incomes are banded in SQL. A view in the intermediate
    schema, outside the dashboard snapshot: its rows tie a person to an age or income band.

    Versions: only those whose slices or disparities are still to compute
    (int_governance__slice_versions `is_pending`; all of them on the first build and under
    `--full-refresh`): each version is computed once, and the JSON of the versions already
    computed is never unnested again.
#}

with registry as (

    {{ union_all_by_name(registry_relations()) }}

),

versions as (

    select
        model_name,
        model_version,
        domain,
        threshold,
        evaluation,
        out_of_sample
    from registry
    where
        length(out_of_sample) > 2
        and model_name || '@v' || cast(model_version as string) in (
            select model_version_id from {{ ref('int_governance__slice_versions') }}
            where is_pending
        )

),

predictions as (

    {{ json_array_rows(
        'versions',
        'out_of_sample',
        {'key': 'string', 'probability': 'double', 'evaluation': 'string'},
        ['model_name', 'model_version', 'domain', 'threshold']
    ) }}

),

evaluation_rows as (

    select
        model_name,
        model_version,
        {{ unnest_evaluation('evaluation') }} as row
    from versions

),

objective_thresholds as (

    select
        model_name,
        model_version,
        row.fold as decision_context,
        row.value as threshold
    from evaluation_rows
    where row.evaluation = 'objective' and row.metric = 'threshold'

),

decision_contexts as (

    select
        versions.model_name,
        versions.model_version,
        coalesce(objective_thresholds.decision_context, 'all') as decision_context,
        coalesce(objective_thresholds.threshold, versions.threshold) as threshold
    from versions
    left join objective_thresholds
        on versions.model_name = objective_thresholds.model_name
            and versions.model_version = objective_thresholds.model_version

),

-- churn: region of the customer's state, the two plans
churn_customers as (

    select
        features.customer_key as entity_id,
        cast(features.churned as integer) as label,
        features.has_international_plan,
        features.has_voice_mail_plan,
        regions.region
    from {{ ref('churn_features') }} as features
    inner join {{ ref('stg_telco_churn__customers') }} as customers
        on features.customer_key = customers.customer_key
    left join {{ ref('us_state_regions') }} as regions
        on upper(customers.state) = regions.state
    where features.is_labeled

),

churn_groups as (

    select
        'churn' as domain,
        entity_id,
        label,
        'state_region' as slice_attribute,
        coalesce('in the ' || region, 'in an unlisted state') as slice_group,
        case region
            when 'Northeast' then 1 when 'Midwest' then 2 when 'South' then 3 when 'West' then 4
            else 5
        end as group_order
    from churn_customers

    union all

    select
        'churn' as domain,
        entity_id,
        label,
        'international_plan' as slice_attribute,
        case
            when has_international_plan = 1 then 'with the international plan'
            else 'without the international plan'
        end as slice_group,
        case when has_international_plan = 1 then 1 else 2 end as group_order
    from churn_customers

    union all

    select
        'churn' as domain,
        entity_id,
        label,
        'voice_mail_plan' as slice_attribute,
        case
            when has_voice_mail_plan = 1 then 'with a voice-mail plan'
            else 'without a voice-mail plan'
        end as slice_group,
        case when has_voice_mail_plan = 1 then 1 else 2 end as group_order
    from churn_customers

),

-- sales: the lead's source, the offer's use case
closed_offers as (

    select
        offer_id as entity_id,
        cast(won as integer) as label,
        lead_source,
        use_case
    from {{ ref('offer_features') }}
    where won is not null

),

sales_groups as (

    select
        'sales' as domain,
        entity_id,
        label,
        'lead_source' as slice_attribute,
        coalesce('from lead source ' || lead_source, 'with no lead') as slice_group,
        case when lead_source is null then 2 else 1 end as group_order
    from closed_offers

    union all

    select
        'sales' as domain,
        entity_id,
        label,
        'use_case' as slice_attribute,
        coalesce('for ' || use_case, 'with no use case recorded') as slice_group,
        case when use_case is null then 2 else 1 end as group_order
    from closed_offers

),

-- campaign: age and income in bands, education, marital status
campaign_customers as (

    select
        cast(customer_id as string) as entity_id,
        cast(responded as integer) as label,
        case
            when is_birth_year_implausible = 1 or age is null then 6
            when age < 35 then 1
            when age < 45 then 2
            when age < 55 then 3
            when age < 65 then 4
            else 5
        end as age_band,
        case
            when income is null then 6
            when income < 30000 then 1
            when income < 50000 then 2
            when income < 70000 then 3
            when income < 90000 then 4
            else 5
        end as income_band,
        education,
        marital_status
    from {{ ref('campaign_features') }}
    where is_labeled

),

campaign_groups as (

    select
        'campaign' as domain,
        entity_id,
        label,
        'age_band' as slice_attribute,
        case age_band
            when 1 then 'aged under 35'
            when 2 then 'aged 35-44'
            when 3 then 'aged 45-54'
            when 4 then 'aged 55-64'
            when 5 then 'aged 65 and over'
            else 'of unknown age'
        end as slice_group,
        age_band as group_order
    from campaign_customers

    union all

    select
        'campaign' as domain,
        entity_id,
        label,
        'income_band' as slice_attribute,
        case income_band
            when 1 then 'with income under 30k'
            when 2 then 'with income 30k-50k'
            when 3 then 'with income 50k-70k'
            when 4 then 'with income 70k-90k'
            when 5 then 'with income 90k and over'
            else 'with income not stated'
        end as slice_group,
        income_band as group_order
    from campaign_customers

    union all

    select
        'campaign' as domain,
        entity_id,
        label,
        'education' as slice_attribute,
        coalesce('with education ' || education, 'with education not stated') as slice_group,
        case when education is null then 2 else 1 end as group_order
    from campaign_customers

    union all

    select
        'campaign' as domain,
        entity_id,
        label,
        'marital_status' as slice_attribute,
        coalesce('with marital status ' || marital_status, 'with marital status not stated')
            as slice_group,
        case when marital_status is null then 2 else 1 end as group_order
    from campaign_customers

),

groups as (

    select * from churn_groups
    union all
    select * from sales_groups
    union all
    select * from campaign_groups

),

attributes as (

    select * from {{ ref('slice_attributes') }}

),

final as (

    select
        -- ids
        predictions.model_name || '@v' || cast(predictions.model_version as string)
            as model_version_id,
        predictions.model_name,
        cast(predictions.model_version as bigint) as model_version,
        predictions.domain,
        decision_contexts.decision_context,
        groups.entity_id,

        -- the slice
        groups.slice_attribute,
        groups.slice_group as entity_group,
        cast(groups.group_order as integer) as group_order,

        -- outcome and prediction (out of sample)
        cast(groups.label as integer) as label,
        cast(predictions.probability as double) as probability,
        cast(decision_contexts.threshold as double) as threshold,
        cast(predictions.probability >= decision_contexts.threshold as integer)
            as predicted_label,
        predictions.evaluation
    from predictions
    inner join decision_contexts
        on predictions.model_name = decision_contexts.model_name
            and predictions.model_version = decision_contexts.model_version
    inner join groups
        on predictions.domain = groups.domain
            and predictions.key = groups.entity_id
    inner join attributes
        on groups.domain = attributes.domain
            and groups.slice_attribute = attributes.slice_attribute

)

select * from final
