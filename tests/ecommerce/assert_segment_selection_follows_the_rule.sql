{#- Exactly one candidate is chosen, and it is the highest silhouette among candidates with
    k >= segment_min_k (the rule in revenue_ml.ml.clustering). Rows returned = failure. -#}
with candidates as (
    select * from {{ ref('segment_model_selection') }}
),

chosen as (
    select
        count(*) as n_chosen,
        max(silhouette) as chosen_silhouette
    from candidates
    where is_chosen
),

best as (
    select max(silhouette) as best_silhouette
    from candidates
    where k >= {{ var('ecommerce_selection_min_k') }}
)

select
    chosen.n_chosen,
    chosen.chosen_silhouette,
    best.best_silhouette
from chosen cross join best
where chosen.n_chosen != 1
    or chosen.chosen_silhouette is null
    or abs(chosen.chosen_silhouette - best.best_silhouette) > 1e-12
