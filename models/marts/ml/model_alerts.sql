{#
    One row per alert that has fired (ml.alert_log): what, on which model or file, its latest
    figures and message, when it was first and last seen, and whether this build still fires
    it. The dashboard shows the ones still firing at the top of their domain's pages;
    ml.alert_notifications posts each new one once to var alert_webhook_url.
#}

with log as (

    select * from {{ ref('alert_log') }}

),

latest as (

    select *
    from log
    qualify row_number() over (partition by alert_key order by logged_at desc) = 1

),

seen as (

    select
        alert_key,
        min(logged_at) as first_seen_at,
        max(logged_at) as last_seen_at,
        count(distinct dbt_invocation_id) as builds_firing
    from log
    group by alert_key

),

final as (

    select
        latest.alert_key,
        latest.rule_id,
        latest.model_name,
        latest.model_version,
        latest.domain,
        latest.subject,
        latest.period,
        latest.severity,
        latest.observation,
        latest.observed_value,
        latest.observed_count,
        latest.limit_value,
        latest.message,
        seen.first_seen_at,
        seen.last_seen_at,
        seen.builds_firing,
        latest.dbt_invocation_id = '{{ invocation_id }}' as still_firing
    from latest
    inner join seen
        on latest.alert_key = seen.alert_key

)

select * from final
