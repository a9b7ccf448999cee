{# Rejected raw rows per source file and reason: the data-quality view of the staging layer. #}

with rejects as (

    {%- for source_name in raw_sources() %}
    select '{{ source_name }}' as source_name, source_table as table_name, reject_reason
    from {{ ref('stg_' ~ source_name ~ '__rejects') }}
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
