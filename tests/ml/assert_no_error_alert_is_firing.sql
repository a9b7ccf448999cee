{{ config(severity=('error' if var('alerts_fail_build') else 'warn')) }}
{#- Alerts still firing (ml.model_alerts): a warning listing them, or with var
    alerts_fail_build: true, an error when one of severity `error` fires. -#}
select
    rule_id,
    model_name,
    model_version,
    subject,
    message
from {{ ref('model_alerts') }}
where
    still_firing
    and (severity = 'error' or not {{ var('alerts_fail_build') }})
