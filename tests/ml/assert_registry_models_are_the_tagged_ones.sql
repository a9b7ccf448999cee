{#- The registry tables `model_registry` unions (macro registry_models) are exactly the models
    tagged `model_registry`: a new domain's registry cannot be left out (rows = mismatches). -#}
{%- set tagged = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() %}
        {%- if node.resource_type == 'model' and 'model_registry' in node.tags %}
            {%- do tagged.append(node.name) %}
        {%- endif %}
    {%- endfor %}
{%- endif %}

with listed as (

    {%- for name in registry_models() %}
    select '{{ name }}' as model_name
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

tagged as (

    {%- for name in tagged %}
    select '{{ name }}' as model_name
    union all
    {%- endfor %}
    select null as model_name

)

select
    coalesce(listed.model_name, tagged.model_name) as model_name,
    listed.model_name is not null as is_listed,
    tagged.model_name is not null as is_tagged
from listed
full outer join tagged
    on listed.model_name = tagged.model_name
where (listed.model_name is null or tagged.model_name is null)
    and coalesce(listed.model_name, tagged.model_name) is not null
