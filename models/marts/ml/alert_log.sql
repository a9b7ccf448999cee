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
        domain is not ok.
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

source_domains as (

    {%- for domain, sources in var('domains').items() %}
    {%- for source_name in sources %}
    select
        '{{ domain }}' as domain,
        '{{ source_name }}' as source_name
    {{ "union all" if not loop.last }}
    {%- endfor %}
    {{ "union all" if not loop.last }}
    {%- endfor %}

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
