{#- An Insider is a member of an Insiders cluster with a customer id (unless
    ecommerce_insiders_include_unidentified) and revenue net of returns above
    ecommerce_insiders_min_net_revenue (when set); every member left out says why.
    Rows returned = failure. -#}
{%- set floor = var('ecommerce_insiders_min_net_revenue') %}
select *
from {{ ref('customer_segments') }}
where (is_insider and not in_insiders_cluster)
    or (in_insiders_cluster and not is_insider and insider_exclusion_reason is null)
    or (is_insider and insider_exclusion_reason is not null)
    {%- if not var('ecommerce_insiders_include_unidentified') %}
    or (is_insider and is_surrogate_customer)
    {%- endif %}
    {%- if floor is not none and floor | string | trim != '' %}
    or (is_insider and net_revenue <= {{ floor }})
    {%- endif %}
