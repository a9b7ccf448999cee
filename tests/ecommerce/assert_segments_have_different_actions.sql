{#- Different segments get different actions (the seed segment_actions has more actions than
    the largest k the selection may choose, so a repeat means the assignment rule broke).
    Rows returned = an action shared by two segments. -#}
select
    action,
    count(*) as segments
from {{ ref('segment_profiles') }}
group by action
having count(*) > 1
