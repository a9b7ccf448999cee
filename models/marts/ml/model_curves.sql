{# ROC points and calibration bins of every model version and evaluation, for charts. #}

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
        cast(null as integer) as bin_rows
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
        point.rows as bin_rows
    from calibration

)

select * from final
