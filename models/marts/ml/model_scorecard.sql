{#
    One row per registered model's champion: its headline figure (the primary metric, named
    with its protocol), the baseline it must beat and by how much it does, and which of the two
    scores in this build (read from the scoring marts, where the Python scoring step,
    revenue_ml.ml.lifecycle.serving, put the version that scored each row). The Model health
    page leads with it; tests/ml/assert_serving_follows_the_baseline_rule.sql checks that a
    model that does not beat its baseline never scores.
#}

with registry as (

    select * from {{ ref('model_registry') }}

),

evaluation as (

    select * from {{ ref('model_evaluation') }}
    where evaluation = 'baseline_comparison'

),

scored as (

    -- every version that scored rows of a scoring mart in this build
    {%- for scoring in scoring_marts() %}
    select distinct
        '{{ scoring.mart }}' as scoring_mart,
        model_name,
        model_version
    from {{ ref(scoring.mart) }}
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

serving as (

    select
        model_name,
        model_version,
        {{ ordered_string_agg('scoring_mart', ', ', 'scoring_mart') }} as scores_in
    from scored
    group by model_name, model_version

),

champions as (

    select
        model_version_id,
        model_name,
        model_version,
        domain,
        model_family,
        primary_metric,
        primary_metric_value,
        quality_floor,
        passed_gate,
        promoted_at is not null as is_promoted,
        {{ json_text('params', '$.baseline_rule.baseline') }} as baseline_name
    from registry
    where is_champion

),

baselines as (

    -- the models some other model names as its baseline
    select distinct baseline_name as model_name
    from champions
    where baseline_name is not null

),

comparison as (

    select
        model_version_id,
        max(fold) as compared_metric,
        max(metric_value) filter (where metric = 'model_value') as model_value,
        max(metric_value) filter (where metric = 'baseline_value') as baseline_value,
        max(metric_value) filter (where metric = 'lift') as lift,
        max(metric_value) filter (where metric = 'margin') as margin,
        max(metric_value) filter (where metric = 'beats_baseline') as beats_baseline
    from evaluation
    group by model_version_id

),

final as (

    select
        -- ids
        champions.model_name,
        champions.model_version,
        champions.domain,
        champions.model_family,

        -- the headline figure: the primary metric, its protocol (the evaluation) and value
        split_part(champions.primary_metric, '.', 1) as protocol,
        split_part(champions.primary_metric, '.', 2) as metric,
        champions.primary_metric_value as metric_value,
        champions.quality_floor,
        champions.passed_gate,
        champions.is_promoted,

        -- against its baseline
        champions.baseline_name,
        base.model_version as baseline_version,
        comparison.compared_metric,
        comparison.baseline_value,
        comparison.lift,
        comparison.margin,
        comparison.beats_baseline = 1 as beats_baseline,

        -- who scores
        model_serving.scores_in,
        base_serving.scores_in as baseline_scores_in,
        case
            when model_serving.scores_in is not null then champions.model_name
            when base_serving.scores_in is not null then champions.baseline_name
        end as serving_model,
        case
            when champions.is_promoted and model_serving.scores_in is not null
                then 'promoted by hand: the model scores'
            when base_serving.scores_in is not null and model_serving.scores_in is null
                then 'does not beat its baseline by the margin: the baseline scores'
            when model_serving.scores_in is null
                then 'scores no scoring mart in this build'
            when comparison.beats_baseline = 1
                then 'beats its baseline by the margin: the model scores'
            when comparison.beats_baseline = 0
                then 'does not beat its baseline, yet scores: no baseline version passed'
            else 'the champion scores (no baseline comparison)'
        end as serving_reason
    from champions
    left join comparison
        on champions.model_version_id = comparison.model_version_id
    left join registry as base
        on champions.baseline_name = base.model_name
            and base.is_champion
    left join serving as model_serving
        on champions.model_name = model_serving.model_name
            and champions.model_version = model_serving.model_version
    left join serving as base_serving
        on base.model_name = base_serving.model_name
            and base.model_version = base_serving.model_version
    where champions.model_name not in (select baselines.model_name from baselines)

)

select * from final
