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
        case
            when predicted_students_high is null then 'no interval'
            when predicted_students_high < minimum_students then 'likely below'
            else 'may reach it'
        end as risk_certainty,
        case
            when predict_alumnos = 0 and not is_new_class then 'no students forecast: class ends'
            when is_new_class then 'potential new class below minimum'
            else 'running class below minimum'
        end as risk_reason,
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
