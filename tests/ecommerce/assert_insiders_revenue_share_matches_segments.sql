{#- The Insiders revenue share in segment_profiles and insiders_report (question 4) equals the
    share recomputed from customer_segments. -#}
with segments as (
    select
        cast(sum(revenue) filter (where is_insider) as double) / cast(sum(revenue) as double)
            as share
    from {{ ref('customer_segments') }}
),

profiles as (
    select coalesce(sum(insiders_revenue_share), 0) as share
    from {{ ref('segment_profiles') }}
),

report as (
    select figure as share from {{ ref('insiders_report') }}
    where question_number = 4
)

select
    segments.share as segments_share,
    profiles.share as profiles_share,
    report.share as report_share
from segments cross join profiles cross join report
where abs(coalesce(segments.share, 0) - profiles.share) > 1e-9
    or abs(coalesce(segments.share, 0) - report.share) > 1e-9
