{{ config(materialized='view', enabled=target.type == 'duckdb') }}
{#
    One row per domain: are its marts current, and if not, why and since when
    (docs/operations.md "When a source fails"). A view: the file ages are measured when it is
    read, and it includes the outcome of the build that created it once that build has ended
    (quality.domain_builds, appended by the on-run-end hook).

    status
      ok      its marts come from the latest build and its files are within the freshness
              error threshold;
      stale   its marts come from an earlier build (a raw file failed its audit, or a model or
              test of the domain failed), or a file is older than the error threshold;
      failed  it has no good build at all (a raw file failed on the first build).
    Freshness of a file = its modification time, the rule of `dbt source freshness` (vars
    raw_file_freshness_warn_days and raw_file_freshness_error_days).
#}

{%- set warn_days = var('raw_file_freshness_warn_days') | float %}
{%- set error_days = var('raw_file_freshness_error_days') | float %}
{%- set warn_text = 'raw_file_freshness_warn_days = ' ~ var('raw_file_freshness_warn_days') %}
{%- set error_text = 'raw_file_freshness_error_days = ' ~ var('raw_file_freshness_error_days') %}

with domain_sources as (

    {{ domain_sources_select() }}

),

audits as (

    select * from {{ ref('raw_file_audit') }}

),

builds as (

    select * from {{ source('quality', 'domain_builds') }}

),

checked as (

    select cast(now() at time zone 'UTC' as timestamp) as checked_at

),

files as (

    select
        domain_sources.domain,
        audits.table_name,
        audits.file_path,
        audits.status,
        replace(audits.message, chr(10), ' ') as message,
        audits.modified_at,
        {{ dbt.datediff('audits.modified_at', 'checked.checked_at', 'second') }} / 86400.0
            as age_days
    from domain_sources
    inner join audits
        on domain_sources.source_name = audits.source_name
    cross join checked

),

file_state as (

    select
        domain,
        count(*) as raw_files,
        count(*) filter (where status <> 'ok') as failed_files,
        {{ ordered_string_agg("case when status <> 'ok' then message end", ' ', 'table_name') }}
            as audit_message,
        -- the stalest file decides the domain's freshness
        max_by(file_path, age_days) as stalest_file,
        max(age_days) as stalest_file_age_days,
        min(modified_at) as stalest_file_modified_at
    from files
    group by domain

),

latest_build as (

    select
        domain,
        max_by(dbt_invocation_id, run_started_at) as latest_build_id,
        max(run_started_at) as latest_build_at,
        max_by(outcome, run_started_at) as latest_outcome,
        max_by(reason, run_started_at) as latest_reason
    from builds
    group by domain

),

good_build as (

    select
        domain,
        max_by(dbt_invocation_id, run_started_at) as marts_build_id,
        max(run_started_at) as last_good_build_at
    from builds
    where outcome = 'built'
    group by domain

),

joined as (

    select
        file_state.*,
        latest_build.latest_build_id,
        latest_build.latest_build_at,
        latest_build.latest_outcome,
        latest_build.latest_reason,
        good_build.marts_build_id,
        good_build.last_good_build_at,
        checked.checked_at,
        case
            when file_state.stalest_file_age_days is null then 'missing'
            when file_state.stalest_file_age_days > {{ error_days }} then 'error'
            when file_state.stalest_file_age_days > {{ warn_days }} then 'warn'
            else 'pass'
        end as freshness
    from file_state
    left join latest_build
        on file_state.domain = latest_build.domain
    left join good_build
        on file_state.domain = good_build.domain
    cross join checked

),

final as (

    select
        -- ids
        domain,

        -- status
        case
            when last_good_build_at is null
                and (failed_files > 0 or latest_outcome in ('held', 'failed')) then 'failed'
            when failed_files > 0 or latest_outcome in ('held', 'failed') or freshness = 'error'
                then 'stale'
            else 'ok'
        end as status,
        -- one line: what is wrong and the fix (the audit's message names the file, the column
        -- and the fix)
        case
            when failed_files > 0 then audit_message
            when latest_outcome in ('held', 'failed') then latest_reason
            when freshness in ('error', 'warn') then
                stalest_file || ' was last changed on '
                || strftime(stalest_file_modified_at, '%Y-%m-%d %H:%M') || ' UTC, '
                || cast(floor(stalest_file_age_days) as integer) || ' days ago (over '
                || case
                    when freshness = 'error' then '{{ error_text }}'
                    else '{{ warn_text }}'
                end
                || '): deliver the new extract, or raise the var if the source is updated '
                || 'less often.'
        end as reason,
        freshness,

        -- which build the marts come from
        marts_build_id,
        last_good_build_at,
        latest_build_id,
        latest_build_at,
        latest_outcome,

        -- files
        raw_files,
        failed_files,
        stalest_file,
        stalest_file_modified_at,
        round(stalest_file_age_days, 2) as stalest_file_age_days,
        checked_at
    from joined

)

select * from final
