{#-
    The dashboard's published snapshot (issue #7).

    DuckDB allows one writer or many readers per file, so the Streamlit app never opens the
    warehouse: `dbt build` publishes what the app reads as Parquet files, and the app queries
    those with an in-memory DuckDB.

        <snapshot dir>/status.json                  building | ready | failed, written by the hooks
        <snapshot dir>/<invocation_id>/<schema>.<table>.parquet   one file per published table
        <snapshot dir>/<invocation_id>/_snapshot.json             written last: the snapshot is complete

    on-run-start marks the status `building`; on-run-end, when every node succeeded, exports a
    fresh snapshot and marks it `ready`, else marks `failed` and leaves the previous snapshot in
    place. The app prunes old snapshot directories (DuckDB cannot delete files).

    Snapshot dir: var `dashboard_snapshot_dir`, else env REVENUE_ML_DASHBOARD_SNAPSHOT, else
    `<target-path>/dashboard_snapshot/<warehouse file name without extension>`: one folder per
    warehouse, so the demo build (warehouse.duckdb) and the real-data build
    (warehouse_shared.duckdb) publish side by side and a dashboard never switches from one to
    the other (a build with a temporary --target-path, as in the tests, publishes into that
    temporary directory). `_snapshot.json` names the dataset (macro `dataset_label`).

    The hooks use DuckDB's COPY ... TO and read_text: only a DuckDB build publishes a snapshot
    (macro publishes_dashboard_snapshot, macros/portable/capabilities.sql).
-#}

{#- Commands that change the warehouse, hence the snapshot. -#}
{% macro dashboard_snapshot_commands() -%}
    {{ return(['build', 'run']) }}
{%- endmacro %}

{#- What the app reads: every table outside these schemas (the domains' marts, ml, quality),
    plus the listed extra relations. -#}
{% macro dashboard_snapshot_excluded_schemas() -%}
    {{ return(['staging', 'intermediate', 'seeds', 'main', 'information_schema', 'pg_catalog']) }}
{%- endmacro %}

{% macro dashboard_snapshot_extra_relations() -%}
    {#- The enrollment page's history: active students per period, site, course and schedule;
        the reference seeds the raw-record scorer needs (revenue_ml/score.py: offer statuses,
        marital statuses). -#}
    {{ return([
        ('intermediate', 'int_enrollment__class_periods'),
        ('seeds', 'offer_statuses'),
        ('seeds', 'marital_status_map'),
    ]) }}
{%- endmacro %}

{% macro dashboard_snapshot_dir() -%}
    {%- set configured = var('dashboard_snapshot_dir', env_var('REVENUE_ML_DASHBOARD_SNAPSHOT', '')) -%}
    {%- if configured -%}
        {{ return((configured | string | trim).rstrip('/')) }}
    {%- endif -%}
    {%- set target_path = flags.TARGET_PATH or 'target' -%}
    {%- set warehouse = ((target.path or target.name) | string).replace('\\', '/').split('/') | last -%}
    {%- set stem = warehouse.rsplit('.', 1)[0] if '.' in warehouse else warehouse -%}
    {%- do dashboard_make_dir((target_path | string).rstrip('/') ~ '/dashboard_snapshot', '_snapshot_root') -%}
    {{ return((target_path | string).rstrip('/') ~ '/dashboard_snapshot/' ~ stem) }}
{%- endmacro %}

{#- What data the build ran on, in words, for every page's header: var `dataset_label` (the
    real-data config sets it), else "demo data (generated)" when no raw_dir is given (the
    project's generator output), else "your own data (<raw_dir>)". -#}
{% macro dataset_label() -%}
    {%- set label = var('dataset_label', none) -%}
    {%- if label -%}
        {{ return(label | string) }}
    {%- elif var('raw_dir', none) -%}
        {{ return('your own data (' ~ var('raw_dir') ~ ')') }}
    {%- endif -%}
    {{ return('demo data (generated)') }}
{%- endmacro %}

{#- DuckDB creates a directory (one level) when COPY writes per-thread files into it. The marker
    file it leaves (`<marker>_0.parquet`) tells the app that this project wrote the directory:
    the app only ever deletes directories holding it. -#}
{% macro dashboard_make_dir(path, marker) -%}
    {%- set exists = run_query("select count(*) from glob(" ~ sql_literal(path ~ "/*") ~ ")").columns[0].values()[0] -%}
    {%- if exists == 0 -%}
        {%- do run_query(
            "copy (select current_timestamp as created_at) to " ~ sql_literal(path) ~ " "
            ~ "(format parquet, per_thread_output true, overwrite_or_ignore true, "
            ~ "filename_pattern '" ~ marker ~ "_{i}')"
        ) -%}
    {%- endif -%}
{%- endmacro %}

{#- The build's own process (DuckDB runs inside dbt, so /proc/self is dbt): its pid and start
    time, so the app can tell a build in progress from one that was killed. Empty off Linux. -#}
{% macro dashboard_build_process() -%}
    {%- set has_proc = run_query("select count(*) from glob('/proc/self/stat')").columns[0].values()[0] -%}
    {%- if has_proc == 0 -%}
        {{ return("null::varchar as build_pid, null::varchar as build_started_ticks") }}
    {%- endif -%}
    {{ return(
        "(select split_part(content, ' ', 1) from read_text('/proc/self/stat')) as build_pid, "
        ~ "(select string_split(split_part(content, ') ', 2), ' ')[20] "
        ~ "from read_text('/proc/self/stat')) as build_started_ticks"
    ) }}
{%- endmacro %}

{% macro dashboard_write_status(status, snapshot_id=none, message='') -%}
    {%- set root = dashboard_snapshot_dir() -%}
    {%- do dashboard_make_dir(root, '_snapshot_root') -%}
    {%- do run_query(
        "copy (select "
        ~ "'" ~ status ~ "' as status, "
        ~ "'" ~ invocation_id ~ "' as invocation_id, "
        ~ "'" ~ flags.WHICH ~ "' as command, "
        ~ "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as timestamp) as run_started_at, "
        ~ "cast(now() at time zone 'UTC' as timestamp) as written_at, "
        ~ ("'" ~ snapshot_id ~ "'" if snapshot_id else "null") ~ "::varchar as snapshot_id, "
        ~ sql_literal(message) ~ " as message, "
        ~ dashboard_build_process()
        ~ ") to " ~ sql_literal(root ~ "/status.json") ~ " (format json)"
    ) -%}
{%- endmacro %}

{#- on-run-start -#}
{% macro dashboard_snapshot_start() -%}
    {%- if execute and flags.WHICH in dashboard_snapshot_commands() and publishes_dashboard_snapshot() -%}
        {%- do dashboard_write_status('building') -%}
    {%- endif -%}
{%- endmacro %}

{#- on-run-end -#}
{% macro dashboard_snapshot_end(results) -%}
    {%- if execute and flags.WHICH in dashboard_snapshot_commands() and publishes_dashboard_snapshot() -%}
        {%- set failed = [] -%}
        {%- for result in results -%}
            {%- if result.status in ['error', 'fail', 'runtime error'] -%}
                {%- do failed.append(result.node.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if failed -%}
            {%- do dashboard_write_status(
                'failed',
                message=failed | length ~ ' node(s) failed: ' ~ (failed[:5] | join(', '))
            ) -%}
        {%- else -%}
            {%- do dashboard_export_snapshot() -%}
            {%- do dashboard_write_status('ready', snapshot_id=invocation_id) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro dashboard_export_snapshot() -%}
    {%- set snapshot = dashboard_snapshot_dir() ~ '/' ~ invocation_id -%}
    {%- do dashboard_make_dir(snapshot, '_revenue_ml_snapshot') -%}
    {%- set excluded = dashboard_snapshot_excluded_schemas() -%}
    {%- set tables = run_query(
        "select table_schema, table_name from information_schema.tables "
        ~ "where table_catalog = current_database() "
        ~ "and table_schema not in ('" ~ excluded | join("', '") ~ "') order by 1, 2"
    ) -%}
    {%- set relations = [] -%}
    {%- for row in tables.rows -%}
        {%- do relations.append((row[0], row[1])) -%}
    {%- endfor -%}
    {%- for schema, name in dashboard_snapshot_extra_relations() -%}
        {%- if adapter.get_relation(database=target.database, schema=schema, identifier=name) -%}
            {%- do relations.append((schema, name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for schema, name in relations -%}
        {%- do run_query(
            'copy "' ~ schema ~ '"."' ~ name ~ '" to '
            ~ sql_literal(snapshot ~ '/' ~ schema ~ '.' ~ name ~ '.parquet') ~ ' (format parquet)'
        ) -%}
    {%- endfor -%}
    {#- Written last: a directory without it is incomplete and the app ignores it. -#}
    {%- set names = [] -%}
    {%- for schema, name in relations -%}
        {%- do names.append("'" ~ schema ~ "." ~ name ~ "'") -%}
    {%- endfor -%}
    {%- do run_query(
        "copy (select '" ~ invocation_id ~ "' as snapshot_id, "
        ~ "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as timestamp) as run_started_at, "
        ~ "cast(now() at time zone 'UTC' as timestamp) as created_at, "
        ~ sql_literal(dataset_label()) ~ " as dataset, "
        ~ "[" ~ names | join(', ') ~ "]::varchar[] as tables"
        ~ ") to " ~ sql_literal(snapshot ~ "/_snapshot.json") ~ " (format json)"
    ) -%}
{%- endmacro %}
