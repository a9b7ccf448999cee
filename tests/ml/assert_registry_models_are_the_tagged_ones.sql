{#- The registry tables `model_registry` unions (macro registry_models) are exactly the models
    tagged `model_registry`: a new domain's registry cannot be left out (rows = mismatches). -#}
{{ list_matches_tag(registry_models(), 'model_registry') }}
