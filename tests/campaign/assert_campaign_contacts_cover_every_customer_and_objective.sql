{#- Every scored customer has a decision under every objective of the seed, and the objective's
    threshold (rows returned = failure). -#}
with expected as (

    select
        scores.customer_id,
        objectives.objective
    from {{ ref('campaign_scores') }} as scores
    cross join {{ ref('campaign_objective_definitions') }} as objectives

)

select
    expected.customer_id,
    expected.objective
from expected
left join {{ ref('campaign_contacts') }} as contacts
    on expected.customer_id = contacts.customer_id
        and expected.objective = contacts.objective
where contacts.threshold is null
