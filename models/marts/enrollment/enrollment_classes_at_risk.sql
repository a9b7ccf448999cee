{#
    The operational view: classes of the forecast period whose forecast students are below
    their minimum class size (seed minimum_class_sizes), i.e. at risk of cancellation, with the
    forecast's interval and whether even its upper end stays below the minimum.
#}

with forecast as (

    select * from {{ ref('enrollment_forecast') }}

),

final as (

    select
        -- grain
        periodo,
        sede,
        curso_actual,
        horario_actual,

        -- risk
        predict_alumnos,
        predicted_students_low,
        predicted_students_high,
        interval_level,
        minimum_students,
        minimum_students - predict_alumnos as shortfall_students,
        -- where the minimum sits in the forecast's range: above it (likely below), in the top
        -- half of the range above the forecast (unlikely to reach it), or within reach
        case
            when predicted_students_high is null then 'no interval'
            when predicted_students_high < minimum_students then 'likely below'
            when 2 * (minimum_students - predict_alumnos)
                > predicted_students_high - predict_alumnos
                then 'unlikely to reach it'
            else 'may reach it'
        end as risk_certainty,
        case
            when predict_alumnos = 0 and not is_new_class then 'no students forecast: class ends'
            when is_new_class then 'potential new class below minimum'
            else 'running class below minimum'
        end as risk_reason,
        -- the situation in words: what the class has now, what is forecast, the minimum
        case
            when is_new_class
                then 'New class: would open with ' || cast(predict_alumnos as string)
                    || ' students, minimum ' || cast(minimum_students as string)
            when predict_alumnos = 0
                then 'Class ends: ' || cast(coalesce(students_last_period, 0) as string)
                    || ' students now, none forecast'
            else 'Running class: ' || cast(coalesce(students_last_period, 0) as string)
                || ' students now, ' || cast(predict_alumnos as string) || ' forecast, minimum '
                || cast(minimum_students as string)
        end as situation,
        students_last_period,
        is_new_class,
        forecast_method,

        -- model and versions
        model_name,
        model_version,
        raw_version,
        platinum_version,
        features_version,
        target_version,
        experiment_name,
        scored_at
    from forecast
    where is_at_risk

)

select * from final
