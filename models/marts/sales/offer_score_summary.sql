{#
    Dashboard summary of the offer scores: predicted wins and label split per open/closed,
    use case and lead source. Figures on screen come from here, never recomputed in the app.
#}

with scores as (

    select * from {{ ref('offer_scores') }}

),

final as (

    select
        -- grouping
        case when is_closed then 'closed' else 'open' end as offer_state,
        coalesce(use_case, 'Unknown') as use_case,
        coalesce(lead_source, 'No lead') as lead_source,

        -- metrics
        count(*) as offers,
        {{ sum_integers('predicted_label') }} as predicted_wins,
        count(*) - {{ sum_integers('predicted_label') }} as predicted_losses,
        avg(probability) as mean_probability,
        sum(won) as actual_wins
    from scores
    group by all

)

select * from final
