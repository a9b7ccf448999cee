{#
    Did it come true? Per model version and data as-of date (the build that made the
    predictions) and per metric, in long form: what the model's evaluation promised when it
    was registered (expected_value, its primary protocol: ml.model_scorecard), what the
    outcomes known so far say (realised_value, on outcomes_known of the predictions) and, for
    the predictions still without an outcome, what the calibrated probabilities expect
    (estimated_value: confidence-based performance estimation, CBPE: each open prediction's
    outcome counted as its probability; an estimate, not a measurement).

    Classifiers (open offers, churn, campaign per objective): auc, precision and recall of the
    decision at its threshold, brier, calibration_error (10 equal-width bins). The class-size
    forecast: wape, interval_coverage.
#}

{%- set track_keys = [
    'model_name', 'model_version', 'scoring_mart', 'decision_context', 'data_as_of'
] %}

with outcomes as (

    select * from {{ ref('prediction_outcomes') }}

),

grain as (

    select
        model_name,
        model_version,
        domain,
        scoring_mart,
        decision_context,
        data_as_of,
        count(*) as predictions,
        count(outcome) as outcomes_known
    from outcomes
    group by model_name, model_version, domain, scoring_mart, decision_context, data_as_of

),

-- realised, classifiers: the known outcomes, ranked for the AUC (ties share their mean rank)
known as (

    select
        *,
        rank()
            over (
                partition by {{ track_keys | join(', ') }}
                order by prediction
            )
        + (count(*) over (
            partition by {{ track_keys | join(', ') }}, prediction
        ) - 1) / 2.0 as prediction_rank,
        least(cast(floor(prediction * 10) as integer), 9) as calibration_bin
    from outcomes
    where outcome is not null and scoring_mart <> 'enrollment_forecast'

),

realised as (

    select
        model_name,
        model_version,
        scoring_mart,
        decision_context,
        data_as_of,
        (
            sum(case when outcome = 1 then prediction_rank else 0 end)
            - sum(outcome) * (sum(outcome) + 1) / 2.0
        )
        / nullif(sum(outcome) * (count(*) - sum(outcome)), 0) as auc,
        sum(case when is_flagged and outcome = 1 then 1 else 0 end)
        / nullif(sum(case when is_flagged then 1.0 else 0 end), 0) as precision,
        sum(case when is_flagged and outcome = 1 then 1 else 0 end)
        / nullif(sum(outcome), 0) as recall,
        avg((prediction - outcome) * (prediction - outcome)) as brier,
        -- what each figure rests on
        sum(outcome) as known_positives,
        count(*) - sum(outcome) as known_negatives,
        sum(case when is_flagged then 1 else 0 end) as known_flagged
    from known
    group by {{ track_keys | join(', ') }}

),

calibration_bins as (

    select
        model_name,
        model_version,
        scoring_mart,
        decision_context,
        data_as_of,
        calibration_bin,
        count(*) as bin_rows,
        abs(avg(prediction) - avg(outcome)) as bin_gap
    from known
    group by {{ track_keys | join(', ') }}, calibration_bin

),

calibration as (

    select
        model_name,
        model_version,
        scoring_mart,
        decision_context,
        data_as_of,
        sum(bin_gap * bin_rows) / sum(bin_rows) as calibration_error
    from calibration_bins
    group by {{ track_keys | join(', ') }}

),

-- estimated (CBPE), classifiers: the predictions still without an outcome, each counted as a
-- win (a churn, a response) with its probability
open_predictions as (

    select
        *,
        -- (1 - p) of the predictions below this one, and of its ties, for the expected AUC
        sum(1 - prediction) over (
            partition by {{ track_keys | join(', ') }}
            order by prediction
            range between unbounded preceding and current row
        ) as negatives_up_to,
        sum(1 - prediction) over (
            partition by {{ track_keys | join(', ') }}, prediction
        ) as negatives_tied
    from outcomes
    where outcome is null and scoring_mart <> 'enrollment_forecast'

),

estimated as (

    select
        model_name,
        model_version,
        scoring_mart,
        decision_context,
        data_as_of,
        sum(
            prediction
            * (negatives_up_to - negatives_tied + 0.5 * (negatives_tied - (1 - prediction)))
        )
        / nullif(
            sum(prediction) * sum(1 - prediction) - sum(prediction * (1 - prediction)), 0
        ) as auc,
        sum(case when is_flagged then prediction else 0 end)
        / nullif(sum(case when is_flagged then 1.0 else 0 end), 0) as precision,
        sum(case when is_flagged then prediction else 0 end) / nullif(sum(prediction), 0)
            as recall,
        avg(prediction * (1 - prediction)) as brier
    from open_predictions
    group by {{ track_keys | join(', ') }}

),

-- realised, the forecast
forecast as (

    select
        model_name,
        model_version,
        scoring_mart,
        decision_context,
        data_as_of,
        sum(abs(prediction - outcome)) / nullif(sum(abs(outcome)), 0) as wape,
        avg(case when is_within_interval then 1.0 else 0.0 end) as interval_coverage
    from outcomes
    where outcome is not null and scoring_mart = 'enrollment_forecast'
    group by {{ track_keys | join(', ') }}

),

-- what the evaluation promised: the primary protocol of the model (a baseline: its model's)
protocols as (

    select
        model_name,
        protocol
    from {{ ref('model_scorecard') }}
    union
    select
        baseline_name as model_name,
        protocol
    from {{ ref('model_scorecard') }}
    where baseline_name is not null

),

expected as (

    select
        metrics.model_name,
        metrics.model_version,
        protocols.protocol,
        metrics.auc,
        metrics.precision,
        metrics.recall,
        metrics.brier,
        metrics.expected_calibration_error as calibration_error,
        metrics.wape,
        metrics.interval_coverage
    from {{ ref('model_metrics') }} as metrics
    inner join protocols
        on metrics.model_name = protocols.model_name
            and metrics.evaluation = protocols.protocol

),

metric_names as (

    {%- set metrics = [
        ('auc', 'classifier'), ('precision', 'classifier'), ('recall', 'classifier'),
        ('brier', 'classifier'), ('calibration_error', 'classifier'),
        ('wape', 'forecast'), ('interval_coverage', 'forecast'),
    ] %}
    {%- for name, kind in metrics %}
    select
        '{{ name }}' as metric,
        '{{ kind }}' as kind
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

final as (

    select
        -- grain
        grain.model_name,
        grain.model_version,
        grain.domain,
        grain.scoring_mart,
        grain.decision_context,
        grain.data_as_of,
        metric_names.metric,

        -- volumes
        grain.predictions,
        grain.outcomes_known,

        -- promised, measured, estimated
        expected.protocol as expected_protocol,
        case metric_names.metric
            {%- for name, kind in metrics %}
            when '{{ name }}' then expected.{{ name }}
            {%- endfor %}
        end as expected_value,
        -- sums of doubles depend on the order the engine adds them in (threads, row order):
        -- rounded to 10 decimals, the same data gives the same figures to the last digit
        round(case metric_names.metric
            when 'auc' then realised.auc
            when 'precision' then realised.precision
            when 'recall' then realised.recall
            when 'brier' then realised.brier
            when 'calibration_error' then calibration.calibration_error
            when 'wape' then forecast.wape
            when 'interval_coverage' then forecast.interval_coverage
        end, 10) as realised_value,
        -- the cases the realised figure rests on: the rarer outcome for the AUC, the flagged
        -- cases for precision, the positives for recall, every known outcome otherwise
        cast(case metric_names.metric
            when 'auc' then least(realised.known_positives, realised.known_negatives)
            when 'precision' then realised.known_flagged
            when 'recall' then realised.known_positives
            else grain.outcomes_known
        end as bigint) as realised_evidence,
        round(case metric_names.metric
            when 'auc' then estimated.auc
            when 'precision' then estimated.precision
            when 'recall' then estimated.recall
            when 'brier' then estimated.brier
        end, 10) as estimated_value
    from grain
    inner join metric_names
        on metric_names.kind
            = case
                when grain.scoring_mart = 'enrollment_forecast' then 'forecast' else 'classifier'
            end
    left join realised
        on {{ join_on('grain', 'realised', track_keys) }}
    left join calibration
        on {{ join_on('grain', 'calibration', track_keys) }}
    left join estimated
        on {{ join_on('grain', 'estimated', track_keys) }}
    left join forecast
        on {{ join_on('grain', 'forecast', track_keys) }}
    left join expected
        on grain.model_name = expected.model_name
            and grain.model_version = expected.model_version

)

select * from final
