{#-
    Raw CSV files as sources on every engine. DuckDB reads a file where a source is used, through
    the source's `meta.external_location` (read_csv). Spark has no such thing: before a model that
    reads a raw source runs, the staging pre-hook (dbt_project.yml) registers the file as an
    EXTERNAL csv table `<source>.<table>` (columns = the header's names, all strings; dropping the
    table never touches the file). Path and encoding follow the same vars as on DuckDB
    (`<source>_<table>_path` under `raw_dir`, `<source>_<table>_encoding`); the delimiter and the
    default encoding are the source table's `meta.raw_file`. The base models run after the
    raw-file audit, so a missing or malformed file has already been reported in plain words.
-#}

{#- Pre-hook: register the raw files `model` reads as tables (Spark; nothing on DuckDB). -#}
{% macro register_raw_files(model) -%}
    {{ return(adapter.dispatch('register_raw_files', 'revenue_ml')(model)) }}
{%- endmacro %}

{% macro default__register_raw_files(model) -%}{%- endmacro %}

{% macro spark__register_raw_files(model) -%}
    {%- if execute -%}
        {%- for source_name, table_name in model.sources -%}
            {%- for node in graph.sources.values()
                if node.source_name == source_name and node.name == table_name
                    and (node.meta.get('raw_file') or node.config.meta.get('raw_file')) -%}
                {%- do spark_register_csv(node) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- (Re)creates the external table of one raw source node. -#}
{% macro spark_register_csv(node) -%}
    {%- set raw_file = node.meta.get('raw_file') or node.config.meta.get('raw_file') -%}
    {%- set var_prefix = node.source_name ~ '_' ~ node.name -%}
    {%- set raw_dir = var('raw_dir', env_var('REVENUE_ML_RAW_DIR', 'data/raw')) | string -%}
    {%- set path = var(var_prefix ~ '_path') | string -%}
    {%- set path = path if path.startswith('/') or ':' in path else raw_dir ~ '/' ~ path -%}
    {%- if not (path.startswith('/') or ':' in path) -%}
        {#- relative to the working directory, as on DuckDB (a relative LOCATION would resolve
            against the warehouse directory); the session's JVM runs in dbt's directory -#}
        {%- set cwd = run_query(
            "select reflect('java.lang.System', 'getProperty', 'user.dir')"
        ).columns[0].values()[0] -%}
        {%- set path = cwd ~ '/' ~ path -%}
    {%- endif -%}
    {%- set encoding = var(var_prefix ~ '_encoding', raw_file.get('encoding', 'utf-8')) -%}
    {%- set relation = adapter.quote(node.schema) ~ '.' ~ adapter.quote(node.identifier) -%}
    {%- do run_query('create database if not exists ' ~ adapter.quote(node.schema)) -%}
    {%- do run_query('drop table if exists ' ~ relation) -%}
    {%- do run_query(
        "create table " ~ relation ~ " using csv options ("
        ~ "path " ~ sql_literal(path) ~ ", header 'true', inferSchema 'false', "
        ~ "sep " ~ sql_literal(raw_file.get('delimiter', ',') | replace('\t', '\\t')) ~ ", "
        ~ "quote '\"', escape '\"', multiLine 'true', mode 'PERMISSIVE', "
        ~ "encoding " ~ sql_literal(spark_charset(encoding)) ~ ")"
    ) -%}
{%- endmacro %}

{#- Spark 4 knows only these charset names (unless spark.sql.legacy.javaCharsets=true). -#}
{% macro spark_charset(encoding) -%}
    {%- set name = (encoding | string | lower | replace('_', '-')) -%}
    {{- return({'latin-1': 'ISO-8859-1', 'latin1': 'ISO-8859-1', 'iso-8859-1': 'ISO-8859-1',
                'utf8': 'UTF-8', 'utf-8': 'UTF-8', 'ascii': 'US-ASCII'}.get(name, encoding)) -}}
{%- endmacro %}

{#- 1..n in the raw file's order (a raw row's number). Use it directly over the source. -#}
{% macro source_row_number() -%}
    {{ return(adapter.dispatch('source_row_number', 'revenue_ml')()) }}
{%- endmacro %}

{#- DuckDB: a single-threaded CSV scan with preserve_insertion_order follows the file. -#}
{% macro default__source_row_number() -%}
    row_number() over ()
{%- endmacro %}

{#- Spark has no ordered scan: monotonically_increasing_id() increases in file order within a
    split and across splits (not densely), the file name and block start order several files
    and splits; it must be evaluated on the scan itself (no shuffle in between). -#}
{% macro spark__source_row_number() -%}
    row_number() over (
        order by input_file_name(), input_file_block_start(), monotonically_increasing_id()
    )
{%- endmacro %}
