{#
    ROC points, calibration bins and (campaign) expected profit per threshold with its
    bootstrap band, of every model version and evaluation, for charts.
#}

with registry as (

    select
        model_version_id,
        model_name,
        model_version,
        curves
    from {{ ref('model_registry') }}

),

-- one row per evaluation: the keys of the curves object
evaluation_keys as (

    select
        model_version_id,
        model_name,
        model_version,
        curves,
        {{ unnest_json_keys('curves') }} as evaluation
    from registry

),

evaluations as (

    select
        model_version_id,
        model_name,
        model_version,
        evaluation,
        {{ json_at('curves', "'$.' || evaluation") }} as curve_json
    from evaluation_keys

),

roc as (

    select
        model_version_id,
        model_name,
        model_version,
        evaluation,
        'roc' as curve,
        {{ unnest_json_records(json_at('curve_json', "'$.roc'"), {
            'fpr': 'DOUBLE', 'tpr': 'DOUBLE', 'threshold': 'DOUBLE'}) }} as point
    from evaluations

),

calibration as (

    select
        model_version_id,
        model_name,
        model_version,
        evaluation,
        'calibration' as curve,
        {{ unnest_json_records(json_at('curve_json', "'$.calibration'"), {
            'bin': 'INTEGER', 'rows': 'INTEGER', 'mean_predicted': 'DOUBLE',
            'observed_rate': 'DOUBLE'}) }} as point
    from evaluations

),

expected_profit as (

    select
        model_version_id,
        model_name,
        model_version,
        evaluation,
        'expected_profit' as curve,
        {{ unnest_json_records(json_at('curve_json', "'$.expected_profit'"), {
            'threshold': 'DOUBLE', 'contacts': 'DOUBLE', 'profit': 'DOUBLE',
            'profit_low': 'DOUBLE', 'profit_high': 'DOUBLE'}) }} as point
    from evaluations
    where {{ json_has('curve_json', '$.expected_profit') }}

),

final as (

    select
        model_version_id,
        model_name,
        model_version,
        evaluation,
        curve,
        point.fpr as x_value,
        point.tpr as y_value,
        point.threshold as threshold,
        cast(null as integer) as bin_rows,
        cast(null as double) as y_lower,
        cast(null as double) as y_upper
    from roc
    union all
    select
        model_version_id,
        model_name,
        model_version,
        evaluation,
        curve,
        point.mean_predicted as x_value,
        point.observed_rate as y_value,
        cast(null as double) as threshold,
        point.rows as bin_rows,
        cast(null as double) as y_lower,
        cast(null as double) as y_upper
    from calibration
    union all
    select
        model_version_id,
        model_name,
        model_version,
        evaluation,
        curve,
        point.threshold as x_value,
        point.profit as y_value,
        point.threshold as threshold,
        cast(point.contacts as integer) as bin_rows,
        point.profit_low as y_lower,
        point.profit_high as y_upper
    from expected_profit

)

select * from final
