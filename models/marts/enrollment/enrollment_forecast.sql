{#
    Public forecast mart over the Python scoring step: the reference's output granularity
    (periodo, sede, curso_actual, horario_actual -> predict_alumnos) with its interval, the
    method, the model version and the data versions behind each figure, and the class's
    minimum size (the most specific row of the minimum_class_sizes seed) with an at-risk flag.
#}

with predictions as (

    select * from {{ ref('enrollment_predictions') }}

),

minimum_class_sizes as (

    select * from {{ ref('minimum_class_sizes') }}

),

-- the most specific rule per class: site and course, then course, then site, then default
class_minimums as (

    select
        predictions.periodo,
        predictions.sede,
        predictions.curso_actual,
        predictions.horario_actual,
        minimum_class_sizes.minimum_students
    from predictions
    inner join minimum_class_sizes
        on (minimum_class_sizes.sede is null or predictions.sede = minimum_class_sizes.sede)
            and (
                minimum_class_sizes.curso_actual is null
                or predictions.curso_actual = minimum_class_sizes.curso_actual
            )
    qualify row_number() over (
            partition by
                predictions.periodo, predictions.sede, predictions.curso_actual,
                predictions.horario_actual
            order by
                (minimum_class_sizes.curso_actual is not null) desc,
                (minimum_class_sizes.sede is not null) desc
        ) = 1

),

final as (

    select
        -- grain (the reference's PERIODO, SEDE, CURSO_ACTUAL, HORARIO_ACTUAL)
        cast(predictions.periodo as integer) as periodo,
        cast(predictions.sede as string) as sede,
        cast(predictions.curso_actual as string) as curso_actual,
        cast(predictions.horario_actual as string) as horario_actual,

        -- forecast (PREDICT_ALUMNOS)
        cast(predictions.predict_alumnos as integer) as predict_alumnos,
        cast(predictions.forecast_method as string) as forecast_method,
        cast(predictions.model_prediction as double) as model_prediction,
        cast(predictions.naive_last_prediction as double) as naive_last_prediction,
        cast(predictions.seasonal_naive_prediction as double) as seasonal_naive_prediction,
        -- the method the forecaster chose for this class, and the interval around the forecast
        cast(predictions.base_method as string) as base_method,
        cast(predictions.predicted_students_low as integer) as predicted_students_low,
        cast(predictions.predicted_students_high as integer) as predicted_students_high,
        cast(predictions.interval_level as double) as interval_level,

        -- context
        cast(predictions.origin_periodo as integer) as origin_periodo,
        cast(predictions.students_last_period as integer) as students_last_period,
        cast(predictions.is_new_class as boolean) as is_new_class,
        cast(class_minimums.minimum_students as integer) as minimum_students,
        cast(predictions.predict_alumnos < class_minimums.minimum_students as boolean)
            as is_at_risk,

        -- model
        cast(predictions.model_name as string) as model_name,
        cast(predictions.model_version as bigint) as model_version,

        -- versions (the reference's version.yml): this run's, and the model's training run's
        cast(predictions.raw_version as string) as raw_version,
        cast(predictions.platinum_version as string) as platinum_version,
        cast(predictions.features_version as string) as features_version,
        cast(predictions.target_version as string) as target_version,
        cast(predictions.experiment_name as string) as experiment_name,
        cast(predictions.model_features_version as string) as model_features_version,
        cast(predictions.model_target_version as string) as model_target_version,

        -- metadata
        cast(predictions.scored_at as timestamp) as scored_at
    from predictions
    left join class_minimums
        on predictions.periodo = class_minimums.periodo
            and predictions.sede = class_minimums.sede
            and predictions.curso_actual = class_minimums.curso_actual
            and predictions.horario_actual = class_minimums.horario_actual

)

select * from final
