{#
    Nothing lost, in one table: for every raw file the build read (macro raw_tables), how many
    data rows it had, how many were staged and how many were rejected (by reason in
    `rejected_rows_by_reason`).
#}

with counts as (

    {%- for source_name, table_name in raw_tables() %}
    select
        '{{ source_name }}' as source_name,
        '{{ table_name }}' as table_name,
        count(*) as raw_rows,
        count(*) filter (where reject_reason is null) as staged_rows,
        count(*) filter (where reject_reason is not null) as rejected_rows
    from {{ ref('base_' ~ source_name ~ '__' ~ table_name) }}
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

audits as (

    select * from {{ ref('raw_file_audit') }}

),

final as (

    select
        -- ids
        counts.source_name,
        counts.table_name,

        -- strings
        audits.file_path,

        -- numerics
        counts.raw_rows,
        counts.staged_rows,
        counts.rejected_rows,
        round(counts.rejected_rows / nullif(counts.raw_rows, 0), 6) as rejected_share,

        -- booleans
        -- the file's domain kept its last good build: these are that build's counts
        {%- set held = [] %}
        {%- for source_name, table_name in raw_tables() if source_is_held(source_name) %}
        {%- do held.append(source_name) %}
        {%- endfor %}
        {%- if held %}
        {%- set held_list = "'" ~ (held | unique | join("', '")) ~ "'" %}
        counts.source_name in ({{ held_list }}) as is_held,
        {%- else %}
        false as is_held,
        {%- endif %}
        counts.raw_rows = counts.staged_rows + counts.rejected_rows as is_reconciled
    from counts
    left join audits
        on counts.source_name = audits.source_name
            and counts.table_name = audits.table_name

)

select * from final
