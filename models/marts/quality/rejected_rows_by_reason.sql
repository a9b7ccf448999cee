{# Rejected raw rows per source file and reason: the data-quality view of the staging layer. #}

{%- set rejects_models = [
    ('sales_pipeline', 'stg_sales_pipeline__rejects'),
    ('online_retail', 'stg_online_retail__rejects'),
    ('telco_churn', 'stg_telco_churn__rejects'),
    ('marketing_campaign', 'stg_marketing_campaign__rejects'),
    ('enrollments', 'stg_enrollments__rejects'),
] %}

with rejects as (

    {%- for source_name, model_name in rejects_models %}
    select '{{ source_name }}' as source_name, source_table as table_name, reject_reason
    from {{ ref(model_name) }}
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

final as (

    select
        source_name,
        table_name,
        reject_reason,
        count(*) as rejected_rows
    from rejects
    group by source_name, table_name, reject_reason

)

select * from final
