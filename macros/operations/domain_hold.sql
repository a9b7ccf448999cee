{#-
    One source down must not stop the others (docs/operations.md "When a source fails").

    The raw-file audit (quality.raw_file_audit) records a file that breaks its contract, with
    the message naming the file, the column and the fix, instead of failing the build. Every
    model of the domains that read that file then holds: it is rewritten with its own previous
    rows (a Python model returns them instead of training or scoring), so the domain's marts,
    versions and scores stay exactly those of its last good build, nothing half-replaced,
    while the other domains stage, train, score and publish as usual, and the cross-domain
    tables (registry, run history, metrics, raw row accounting, the dashboard snapshot) stay
    complete. quality.domain_status says which domain is stale and why; a warning test and
    the end of the build's log name the file.

    Which domain a model belongs to follows the folders (macro model_domain): models/staging/
    <source>/ belongs to the domain reading that source (var `domains`), models/intermediate/
    <domain>/, models/marts/<domain>/ and python_models/<domain>/ to that domain; the ml and
    quality folders to none (they are rebuilt every time).

    The hold is one override of the adapter's create_table_as (every table and incremental
    model, SQL or Python, is created through it); views are recreated as usual (their rows
    come from held tables). With no earlier build to keep, the model fails with the audit's
    message and the domain is skipped. On Spark a held model fails with the audit's message
    (a Parquet table cannot be replaced by a select from itself): the domain stops with the
    clear error, as before.
-#}

{#- The domain of a model, seed or test node, from its folder (none for the cross-domain ml and
    quality folders). -#}
{% macro model_domain(node) -%}
    {%- set domains = var('domains') -%}
    {%- set fqn = node.fqn or [] -%}
    {%- if fqn | length < 3 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set folder = fqn[2] if fqn[1] in ['staging', 'intermediate', 'marts'] else fqn[1] -%}
    {%- for domain, sources in domains.items() -%}
        {%- if folder == domain or folder in sources -%}
            {{ return(domain) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- The raw sources and the domain reading each (var `domains`): the body of a CTE, one
    `select '<domain>' as domain, '<source>' as source_name` per source. -#}
{% macro domain_sources_select() -%}
    {%- for domain, sources in var('domains').items() %}
    {%- for source_name in sources %}
    select '{{ domain }}' as domain, '{{ source_name }}' as source_name
    {{ "union all" if not loop.last }}
    {%- endfor %}
    {{ "union all" if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The audit's failure messages, by domain: {domain: [message, ...]} for every domain with a
    raw file that failed its audit (empty while parsing, or before the audit's first run). -#}
{% macro held_domains() -%}
    {%- set held = {} -%}
    {%- if execute -%}
        {%- set audit = adapter.get_relation(
            database=target.database, schema='quality', identifier='raw_file_audit') -%}
        {%- if audit is not none -%}
            {%- set rows = run_query(
                "select source_name, message from " ~ audit
                ~ " where status <> 'ok' order by source_name, table_name"
            ) -%}
            {%- for domain, sources in var('domains').items() -%}
                {%- for row in rows if row[0] in sources -%}
                    {%- do held.setdefault(domain, []).append(row[1]) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(held) }}
{%- endmacro %}

{#- The audit's messages for the current model's domain (empty: it builds as usual). -#}
{% macro hold_reasons() -%}
    {%- set domain = model_domain(model) -%}
    {%- if domain is none -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(held_domains().get(domain, [])) }}
{%- endmacro %}

{#- The held model's code: its previous rows (none new for an incremental run). -#}
{% macro held_code(language, reasons) -%}
    {%- if load_relation(this) is none -%}
        {{ exceptions.raise_compiler_error(
            reasons | join(' ') ~ " (no earlier build of " ~ this ~ " to keep: the "
            ~ model_domain(model) ~ " domain is built once the file is fixed)") }}
    {%- endif -%}
    {%- set query = "select * from " ~ this ~ (" where false" if is_incremental() else "") -%}
    {%- do log(
        "Held " ~ this ~ ": kept its last good rows (a raw file of the " ~ model_domain(model)
        ~ " domain failed its audit: quality.domain_status)", info=True) -%}
    {%- if language == 'python' -%}
        {{ return(
            "\n\n# --- held: macros/operations/domain_hold.sql --- #\n"
            ~ "def model(dbt, session):\n"
            ~ "    return session.sql(" ~ (query | tojson) ~ ")\n"
        ) }}
    {%- endif -%}
    {{ return(query) }}
{%- endmacro %}

{% macro duckdb__create_table_as(
    temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none
) -%}
    {%- set code = compiled_code -%}
    {%- set reasons = hold_reasons() if execute else [] -%}
    {%- if reasons and language == 'python' -%}
        {#- the model's own code stays (its imports and helpers); the later `model` wins -#}
        {%- set code = compiled_code ~ held_code(language, reasons) -%}
    {%- elif reasons -%}
        {%- set code = held_code(language, reasons) -%}
    {%- endif -%}
    {{ dbt.duckdb__create_table_as(temporary, relation, code, language, partitioned_by, sorted_by) }}
{%- endmacro %}

{#- Whether a source's domain holds this build (its staged rows are those of the last good
    build, so tests that compare them with the file itself do not apply). -#}
{% macro source_is_held(source_name) -%}
    {%- for domain in held_domains() -%}
        {%- if source_name in var('domains')[domain] -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}
