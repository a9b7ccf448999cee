{#- A model that does not beat its registered baseline by the margin never scores while its
    baseline has a version that passed (revenue_ml.ml.lifecycle.serving), and a model that
    beats it is never replaced by its baseline (a version promoted by hand scores whatever its
    comparison); read from the scoring marts through model_scorecard. Rows returned = failure. -#}
select *
from {{ ref('model_scorecard') }}
where (
    not beats_baseline and scores_in is not null and baseline_version is not null
    and not is_promoted
)
or (beats_baseline and scores_in is null and baseline_scores_in is not null)
