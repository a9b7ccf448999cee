{#- The outcomes of ecommerce_exclusions add up to the staged online-retail lines. -#}

with outcomes as (
    select sum(lines) as line_count from {{ ref('ecommerce_exclusions') }}
),

staged as (
    select count(*) as line_count from {{ ref('stg_online_retail__transactions') }}
)

select
    outcomes.line_count as accounted_lines,
    staged.line_count as staged_lines
from outcomes
cross join staged
where outcomes.line_count != staged.line_count
