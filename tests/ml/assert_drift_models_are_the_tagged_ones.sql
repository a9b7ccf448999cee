{#- The drift tables `model_feature_drift` unions (macro drift_models) are exactly the models
    tagged `feature_drift`: a new scoring model's drift cannot be left out (rows = mismatches). -#}
{{ list_matches_tag(drift_models(), 'feature_drift') }}
