{{ config(materialized='incremental', on_schema_change='append_new_columns') }}
{#
    Appended on every build: which registered version scored which mart, how many rows, when,
    whether the version was trained in this run or reused, and its headline metric. A mart
    whose domain held this build (a raw file failed its audit) scored nothing new: no row.
#}

{%- set held = held_domains() %}
{%- set scored = [] %}
{%- for scoring in scoring_marts() %}
{%- if not execute or model_domain(graph.nodes['model.revenue_ml.' ~ scoring.mart]) not in held %}
{%- do scored.append(scoring) %}
{%- endif %}
{%- endfor %}

with scores as (

    {%- for scoring in scored %}
    select
        '{{ scoring.mart }}' as scoring_mart,
        model_name,
        model_version,
        count(*) as rows_scored,
        avg({{ scoring.prediction }}) as mean_prediction,
        max(scored_at) as scored_at
    from {{ ref(scoring.mart) }}
    group by model_name, model_version
    {{ "union all" if not loop.last }}
    {%- else %}
    select
        cast(null as string) as scoring_mart,
        cast(null as string) as model_name,
        cast(null as bigint) as model_version,
        cast(0 as bigint) as rows_scored,
        cast(null as double) as mean_prediction,
        cast(null as timestamp) as scored_at
    where 1 = 0
    {%- endfor %}

),

registry as (

    select * from {{ ref('model_registry') }}

),

final as (

    select
        -- ids
        '{{ invocation_id }}' as dbt_invocation_id,
        scores.scoring_mart,
        scores.model_name,
        scores.model_version,

        -- run
        cast('{{ run_started_at }}' as timestamp) as run_started_at,
        scores.scored_at,
        registry.trained_at >= cast('{{ run_started_at }}' as timestamp) as trained_this_run,
        -- why this run trained the version, or why it reused it (the registry row keeps the
        -- reason of the run that trained it)
        case
            when registry.trained_at >= cast('{{ run_started_at }}' as timestamp)
                then registry.retrain_reason
            {%- if build_setting('retrain_policy') == 'never' %}
            else 'reused: retrain_policy never'
            {%- else %}
            else 'reused: training data, features and parameters unchanged'
            {%- endif %}
        end as retrain_reason,
        -- worker threads of the training run (revenue_ml.ml.runtime) and the ml_threads var
        registry.training_threads,
        registry.training_seconds,
        '{{ var("ml_threads", "") }}' as ml_threads_setting,

        -- volumes and quality
        scores.rows_scored,
        scores.mean_prediction,
        registry.primary_metric,
        registry.primary_metric_value,
        registry.passed_gate
    from scores
    left join registry
        on scores.model_name = registry.model_name
            and scores.model_version = registry.model_version

)

select * from final
