{{ config(severity='warn') }}
{#- The alerts this build could not post to the webhook (ml.alert_notifications): a warning
    naming each alert and why; the post is tried again at the next build. -#}
select
    alert_key,
    rule_id,
    status,
    url_host
from {{ ref('alert_notifications') }}
where
    status <> 'sent'
    and notified_at >= cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
