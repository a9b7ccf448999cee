{#- The domains this build cannot bring up to date (quality.domain_status): a raw file failed
    its audit (the domain keeps its last good build) or is older than the freshness error
    threshold. A warning naming the domain and the reason (the file and the fix), not an
    error: the build has published the other domains (docs/operations.md "When a source
    fails"). It reads the files' state, not the domain's latest outcome: while the build runs,
    the latest recorded outcome is the previous build's (quality.domain_builds is appended at
    the end of the build), and a model that fails fails the build anyway. -#}
{% test every_domain_is_current(model) %}

select domain, status, reason
from {{ model }}
where failed_files > 0 or freshness in ('error', 'missing')

{% endtest %}
