{#- The domains whose marts are not current (quality.domain_status): a warning naming the
    domain and the reason (the file and the fix). A warning, not an error: the build has
    published the other domains (docs/operations.md "When a source fails"). -#}
{% test every_domain_is_current(model) %}

select domain, status, reason
from {{ model }}
where status <> 'ok'

{% endtest %}
