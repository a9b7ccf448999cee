{#- Segment profiles cover every segmented customer and all revenue: shares sum to 1. -#}
select
    sum(customers) as customers,
    sum(customer_share) as customer_share,
    sum(revenue_share) as revenue_share
from {{ ref('segment_profiles') }}
having sum(customers) != (select count(*) from {{ ref('customer_segments') }})
    or abs(sum(customer_share) - 1) > 1e-9
    or abs(sum(revenue_share) - 1) > 1e-9
