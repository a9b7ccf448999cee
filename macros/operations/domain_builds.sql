{#-
    The outcome of every build for every domain (quality.domain_builds), which quality.
    domain_status reads to say which build a domain's marts come from.

    on-run-start creates the table empty the first time; dbt never rebuilds it, so the history
    survives every build. on-run-end appends one row per domain the command ran (a `dbt build`
    or `dbt run`; a partial build records only the domains it selected):
      built   every model and test of the domain that ran succeeded: its marts are this build's;
      held    one of its raw files failed its audit: its models kept their last good rows
              (macros/operations/domain_hold.sql), the reason is the audit's message;
      failed  a model or test of the domain failed or was skipped: its marts come from an
              earlier build, the reason names the first node that failed and its error.
    It then warns once per held or failed domain, naming the file (or node) and the fix: the
    build still ends without error, having published the other domains (docs/operations.md says
    why a warning).
-#}

{% macro create_domain_builds() -%}
    {%- if execute and target.type == 'duckdb' -%}
        {%- do run_query("create schema if not exists quality") -%}
        {%- do run_query(
            "create table if not exists quality.domain_builds ("
            ~ "dbt_invocation_id string not null, "
            ~ "run_started_at timestamp not null, "
            ~ "command string not null, "
            ~ "domain string not null, "
            ~ "outcome string not null, "
            ~ "nodes_run integer not null, "
            ~ "nodes_failed integer not null, "
            ~ "reason string)"
        ) -%}
    {%- endif -%}
{%- endmacro %}

{#- The first line of a node's error, without dbt's "Runtime Error in model x (path)" prefix. -#}
{% macro first_error_line(message) -%}
    {%- set lines = [] -%}
    {%- for line in (message or '') .split('\n') -%}
        {%- set text = line | trim -%}
        {%- if text and not text.startswith('Runtime Error in') and not text.startswith('Compilation Error in')
            and not text.startswith('Database Error in') and text != 'Python model failed:' -%}
            {%- do lines.append(text) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return((lines[0] if lines else 'skipped: an upstream node failed') | truncate(300)) }}
{%- endmacro %}

{% macro record_domain_builds(results) -%}
    {%- if execute and target.type == 'duckdb' and flags.WHICH in ['build', 'run'] -%}
        {%- set held = held_domains() -%}
        {%- set rows = [] -%}
        {%- for domain in var('domains') -%}
            {%- set ran = [] -%}
            {%- set failures = [] -%}
            {%- for result in results if model_domain(result.node) == domain -%}
                {%- do ran.append(result.node.name) -%}
                {%- if result.status in ['error', 'fail', 'skipped', 'runtime error'] -%}
                    {%- do failures.append(result.node.name ~ ': ' ~ first_error_line(result.message)) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if ran -%}
                {%- if domain in held -%}
                    {%- set outcome, reason = 'held', held[domain] | join(' ') -%}
                {%- elif failures -%}
                    {%- set outcome, reason = 'failed', failures[0] -%}
                {%- else -%}
                    {%- set outcome, reason = 'built', none -%}
                {%- endif -%}
                {%- do rows.append(
                    "(" ~ sql_literal(invocation_id) ~ ", "
                    ~ "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as timestamp), "
                    ~ sql_literal(flags.WHICH) ~ ", " ~ sql_literal(domain) ~ ", "
                    ~ sql_literal(outcome) ~ ", " ~ ran | length ~ ", " ~ failures | length ~ ", "
                    ~ (sql_literal(reason | replace('\n', ' ')) if reason else 'null') ~ ")"
                ) -%}
                {%- if outcome == 'held' -%}
                    {%- do exceptions.warn(
                        "The " ~ domain ~ " domain kept its last good build: " ~ reason
                        ~ " The other domains were built as usual (quality.domain_status).") -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if rows -%}
            {%- do create_domain_builds() -%}
            {%- do run_query("insert into quality.domain_builds values " ~ rows | join(', ')) -%}
            {%- do adapter.commit() -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
