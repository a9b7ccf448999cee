{{ config(materialized='incremental', on_schema_change='append_new_columns') }}
{#
    The alerts firing in each build (seeds/ml/alert_rules.csv), appended: one row per alert and
    build. ml.model_alerts reads it for when each alert was first seen and whether it still
    fires. Observations (docs/operations.md "Alerts"):

    realised_<metric>, estimated_<metric>   ml.model_track_record, for the data as-of dates
        within var alert_lookback_days of the domain's current data (older predictions have
        had their say);
    drifted_features                        ml.model_feature_drift, features flagged per version;
    rejected_share                          quality.raw_row_accounting, per raw file;
    domain_not_current                      quality.domain_status (DuckDB builds), 1 when a
        domain is not ok;
    slice_auc_worse_by, slice_wape_worse_by ml.model_slice_metrics, per group of a slice
        attribute (small groups left out): how far the group's AUC is below (WAPE above) the
        version's overall figure; the count is the group's rarer outcome (classes for WAPE);
    demographic_parity_difference,
    equalized_odds_difference               ml.model_fairness, per sensitive attribute: the
        decision context (campaign objective) where it is largest; the count is the rows
        compared (parity) or the fewest positives or negatives of a compared group (odds).
    The slice and fairness observations are those of the versions in use: the champion of the
    model that scores (its baseline when the model does not beat it), or of the model itself
    when it feeds no scoring mart (the offers' chance at creation).
#}

{%- set nominal = var('enrollment_interval_level') %}

with rules as (

    select * from {{ ref('alert_rules') }}

),

current_as_of as (

    select * from {{ ref('data_as_of') }}

),

registry as (

    select
        model_name,
        model_version,
        domain,
        quality_floor
    from {{ ref('model_registry') }}

),

track as (

    select
        track.*,
        registry.quality_floor
    from {{ ref('model_track_record') }} as track
    inner join current_as_of
        on track.domain = current_as_of.domain
    left join registry
        on track.model_name = registry.model_name
            and track.model_version = registry.model_version
    where track.data_as_of
        >= {{ dbt.dateadd('day', -var('alert_lookback_days'), 'current_as_of.data_as_of') }}

),

in_use as (

    select
        registry.model_name,
        registry.model_version
    from {{ ref('model_scorecard') }} as scorecard
    inner join {{ ref('model_registry') }} as registry
        on coalesce(scorecard.serving_model, scorecard.model_name) = registry.model_name
    where registry.is_champion

),

slices as (

    select slices.*
    from {{ ref('model_slice_metrics') }} as slices
    inner join in_use
        on slices.model_name = in_use.model_name
            and slices.model_version = in_use.model_version
    where not slices.is_overall and not slices.is_small_group and slices.worse_by is not null

),

slice_observations as (

    -- AUC does not depend on the decision's threshold: one row per group, whatever the context
    select
        'slice_' || primary_metric || '_worse_by' as observation,
        model_name,
        model_version,
        domain,
        business_label || ': ' || slice_group as subject,
        max(worse_by) as observed_value,
        max(
            case
                when primary_metric = 'auc' then least(positives, row_count - positives)
                else row_count
            end
        ) as observed_count,
        max(
            case
                when primary_metric = 'auc'
                    then
                        'AUC ' || cast(round(auc, 3) as string) || ' for ' || entity_label
                        || ' ' || slice_group || ', ' || cast(round(worse_by, 3) as string)
                        || ' below the overall ' || cast(round(auc - auc_gap, 3) as string)
                        || ', on ' || cast(row_count as string) || ' ' || entity_label
                else
                    'WAPE ' || cast(round(100 * wape, 1) as string) || '% ' || slice_group
                    || ', ' || cast(round(100 * worse_by, 1) as string)
                    || ' points above the overall '
                    || cast(round(100 * (wape - wape_gap), 1) as string) || '%, on '
                    || cast(row_count as string) || ' ' || entity_label
            end
        ) as note
    from slices
    group by model_name, model_version, domain, business_label, slice_group, primary_metric

),

fairness as (

    select fairness.*
    from {{ ref('model_fairness') }} as fairness
    inner join in_use
        on fairness.model_name = in_use.model_name
            and fairness.model_version = in_use.model_version

),

parity_observations as (

    select
        'demographic_parity_difference' as observation,
        model_name,
        model_version,
        domain,
        business_label as subject,
        demographic_parity_difference as observed_value,
        rows_compared as observed_count,
        'selected ' || cast(round(100 * lowest_selection_rate, 1) as string) || '% of '
        || entity_label || ' ' || lowest_selection_group || ' but '
        || cast(round(100 * highest_selection_rate, 1) as string) || '% of those '
        || highest_selection_group || ': a difference of '
        || cast(round(demographic_parity_difference, 3) as string)
        || case
            when decision_context <> 'all' then ' (objective ' || decision_context || ')'
            else ''
        end
        || ', on ' || cast(rows_compared as string) || ' ' || entity_label
        || case
            when small_groups > 0
                then ' (' || cast(small_groups as string) || ' small group(s) left out)'
            else ''
        end as note
    from fairness
    where demographic_parity_difference is not null
    qualify
        row_number() over (
            partition by model_name, model_version, slice_attribute
            order by demographic_parity_difference desc, decision_context asc
        ) = 1

),

odds_observations as (

    select
        'equalized_odds_difference' as observation,
        model_name,
        model_version,
        domain,
        business_label as subject,
        equalized_odds_difference as observed_value,
        fewest_outcomes as observed_count,
        'true-positive rates differ by up to '
        || cast(round(true_positive_rate_difference, 3) as string)
        || ' and false-positive rates by up to '
        || cast(round(false_positive_rate_difference, 3) as string)
        || ' between the groups: an equalized odds difference of '
        || cast(round(equalized_odds_difference, 3) as string)
        || case
            when decision_context <> 'all' then ' (objective ' || decision_context || ')'
            else ''
        end
        || ', each compared group holding at least ' || cast(fewest_outcomes as string)
        || ' of each outcome' as note
    from fairness
    where equalized_odds_difference is not null
    qualify
        row_number() over (
            partition by model_name, model_version, slice_attribute
            order by equalized_odds_difference desc, decision_context asc
        ) = 1

),

source_domains as (

    {{ domain_sources_select() }}

),

observations as (

    select
        'realised_' || metric as observation,
        model_name,
        model_version,
        domain,
        scoring_mart
        || case when decision_context <> 'all' then ' (' || decision_context || ')' else '' end
            as subject,
        data_as_of as period,
        realised_value as observed_value,
        realised_evidence as observed_count,
        expected_value,
        case when metric = 'auc' then quality_floor end as quality_floor,
        cast(null as string) as note
    from track
    where realised_value is not null

    union all

    select
        'estimated_' || metric as observation,
        model_name,
        model_version,
        domain,
        scoring_mart
        || case when decision_context <> 'all' then ' (' || decision_context || ')' else '' end
            as subject,
        data_as_of as period,
        estimated_value as observed_value,
        predictions - outcomes_known as observed_count,
        expected_value,
        case when metric = 'auc' then quality_floor end as quality_floor,
        cast(null as string) as note
    from track
    where estimated_value is not null

    union all

    select
        'drifted_features' as observation,
        drift.model_name,
        drift.model_version,
        registry.domain,
        'features' as subject,
        cast(null as date) as period,
        cast(count(*) filter (where drift.is_drifted) as double) as observed_value,
        count(*) as observed_count,
        cast(null as double) as expected_value,
        cast(null as double) as quality_floor,
        {%- set drifted = "case when drift.is_drifted then drift.feature end" %}
        {{ ordered_string_agg(drifted, ", ", "drift.feature") }} as note
    from {{ ref('model_feature_drift') }} as drift
    left join registry
        on drift.model_name = registry.model_name
            and drift.model_version = registry.model_version
    group by drift.model_name, drift.model_version, registry.domain

    union all

    select
        'rejected_share' as observation,
        cast(null as string) as model_name,
        cast(null as bigint) as model_version,
        source_domains.domain,
        accounting.source_name || '.' || accounting.table_name as subject,
        cast(null as date) as period,
        -- the rows cut away by an as-of cut are not a problem of the file
        coalesce(
            (
                select sum(reasons.rejected_rows)
                from {{ ref('rejected_rows_by_reason') }} as reasons
                where
                    reasons.source_name = accounting.source_name
                    and reasons.table_name = accounting.table_name
                    and reasons.reject_reason <> 'after_as_of_cut'
            ),
            0
        ) / nullif(accounting.raw_rows, 0) as observed_value,
        accounting.raw_rows as observed_count,
        cast(null as double) as expected_value,
        cast(null as double) as quality_floor,
        cast(null as string) as note
    from {{ ref('raw_row_accounting') }} as accounting
    left join source_domains
        on accounting.source_name = source_domains.source_name
    where not accounting.is_held

    union all

    {%- for governance in ['slice_observations', 'parity_observations', 'odds_observations'] %}
    select
        observation,
        model_name,
        model_version,
        domain,
        subject,
        cast(null as date) as period,
        cast(observed_value as double) as observed_value,
        observed_count,
        cast(null as double) as expected_value,
        cast(null as double) as quality_floor,
        note
    from {{ governance }}
    {{ "union all" if not loop.last }}
    {%- endfor %}

    {%- if target.type == 'duckdb' %}

    union all

    select
        'domain_not_current' as observation,
        cast(null as string) as model_name,
        cast(null as bigint) as model_version,
        domain,
        domain as subject,
        cast(null as date) as period,
        case when status <> 'ok' then 1.0 else 0.0 end as observed_value,
        1 as observed_count,
        cast(null as double) as expected_value,
        cast(null as double) as quality_floor,
        reason as note
    from {{ ref('domain_status') }}
    {%- endif %}

),

evaluated as (

    select
        rules.rule_id,
        rules.severity,
        rules.description,
        rules.comparison,
        rules.reference,
        observations.*,
        case rules.reference
            when 'expected' then observations.expected_value
            when 'quality_floor' then observations.quality_floor
            when 'nominal' then {{ nominal }}
            when 'value' then 0.0
        end
        + case when rules.comparison = 'below' then -rules.threshold else rules.threshold end
            as limit_value
    from observations
    inner join rules
        on observations.observation = rules.observation
            and (rules.applies_to = 'all' or observations.model_name = rules.applies_to)
            and observations.observed_count >= rules.min_count

),

firing as (

    select *
    from evaluated
    where
        (comparison = 'below' and observed_value < limit_value)
        or (comparison = 'above' and observed_value > limit_value)

),

final as (

    select
        -- ids
        md5(concat_ws(
            '|', rule_id, coalesce(model_name, ''), coalesce(cast(model_version as string), ''),
            subject, coalesce(cast(period as string), '')
        )) as alert_key,
        cast(rule_id as string) as rule_id,
        cast(model_name as string) as model_name,
        cast(model_version as bigint) as model_version,
        cast(domain as string) as domain,
        cast(subject as string) as subject,
        cast(period as date) as period,

        -- what fired
        cast(severity as string) as severity,
        cast(observation as string) as observation,
        cast(observed_value as double) as observed_value,
        cast(observed_count as bigint) as observed_count,
        cast(limit_value as double) as limit_value,
        cast(
            description || ' ('
            || coalesce(model_name || ' v' || cast(model_version as string) || ', ', '')
            || subject
            || coalesce(', predictions as of ' || cast(period as string), '')
            || ': '
            || case
                when observation = 'drifted_features'
                    then
                        cast(cast(observed_value as integer) as string) || ' of '
                        || cast(observed_count as string) || ' features drifted'
                        || coalesce(' (' || note || ')', '')
                when observation = 'rejected_share'
                    then
                        cast(round(100 * observed_value, 1) as string) || '% of '
                        || cast(observed_count as string) || ' rows rejected (limit '
                        || cast(round(100 * limit_value, 1) as string) || '%)'
                when observation = 'domain_not_current' then coalesce(note, 'not current')
                when
                    observation in (
                        'slice_auc_worse_by', 'slice_wape_worse_by',
                        'demographic_parity_difference', 'equalized_odds_difference'
                    )
                    then note || ' (limit ' || cast(round(limit_value, 3) as string) || ')'
                else
                    replace(observation, '_', ' ')
                    || ' '
                    || cast(round(observed_value, 3) as string)
                    || case comparison when 'below' then ', below ' else ', above ' end
                    || cast(round(limit_value, 3) as string)
                    || case reference
                        when 'expected'
                            then ' (' || cast(round(expected_value, 3) as string)
                                || ' promised)'
                        when 'quality_floor' then ' (the quality floor)'
                        else ''
                    end
                    || ', on ' || cast(observed_count as string)
                    || case
                        when observation like 'estimated_%' then ' predictions still open'
                        when observation = 'realised_auc' then ' outcomes of the rarer kind'
                        when observation = 'realised_precision' then ' flagged cases'
                        when observation = 'realised_recall' then ' positive outcomes'
                        else ' known outcomes'
                    end
            end
            || ')' as string
        ) as message,

        -- when
        '{{ invocation_id }}' as dbt_invocation_id,
        cast('{{ run_started_at }}' as timestamp) as logged_at
    from firing

)

select * from final
