{#- The scoring marts `model_run_history` records (macro scoring_marts) are exactly the models
    tagged `scoring_mart`: a new domain's scoring mart cannot be left out (rows = mismatches). -#}
{%- set marts = [] %}
{%- for scoring in scoring_marts() %}
{%- do marts.append(scoring.mart) %}
{%- endfor %}
{{ list_matches_tag(marts, 'scoring_mart') }}
