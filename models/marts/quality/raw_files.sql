{#
    Where this build reads each raw file, one row per raw table (macro raw_tables): the path
    (var `<source>_<table>_path`, under var `raw_dir` unless absolute) and the encoding (var
    `<source>_<table>_encoding`, '' = the contract's). The raw-file audit checks these files
    before any SQL reads them.
#}

{%- set raw_dir = var('raw_dir', env_var('REVENUE_ML_RAW_DIR', 'data/raw')) %}

with files as (

    {%- for source_name, table_name in raw_tables() %}
    {%- set path = var(source_name ~ '_' ~ table_name ~ '_path') %}
    select
        '{{ source_name }}' as source_name,
        '{{ table_name }}' as table_name,
        {{ sql_literal(raw_dir) }} as raw_dir,
        {{ sql_literal(path) }} as relative_path,
        {{ sql_literal(var(source_name ~ '_' ~ table_name ~ '_encoding', '')) }} as encoding
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

final as (

    select
        -- ids
        cast(source_name as string) as source_name,
        cast(table_name as string) as table_name,

        -- attributes
        cast(raw_dir as string) as raw_dir,
        cast(relative_path as string) as relative_path,
        cast(encoding as string) as encoding
    from files

)

select * from final
