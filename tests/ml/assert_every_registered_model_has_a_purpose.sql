{#- Every registered model says what it is for (seeds/ml/model_purposes.csv): its model card
    leads with it. Rows returned = models without a purpose. -#}
select distinct
    registry.model_name,
    'add a row for ' || registry.model_name || ' to seeds/ml/model_purposes.csv (intended use, '
    || 'users, decision mart, out of scope, known limitations)' as fix
from {{ ref('model_registry') }} as registry
left join {{ ref('model_purposes') }} as purposes
    on registry.model_name = purposes.model_name
where purposes.model_name is null
