"""One markdown card per registered model version (revenue_ml.governance.cards).

Rendered on every build (the status and the slices are that build's); print one with
`python -m revenue_ml.governance card <model> [version]`."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.governance.cards import CardInputs, model_cards


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        cards = model_cards(
            CardInputs(
                registry=frame(dbt.ref("model_registry")),
                slices=frame(dbt.ref("model_slice_metrics")),
                fairness=frame(dbt.ref("model_fairness")),
                scorecard=frame(dbt.ref("model_scorecard")),
                purposes=frame(dbt.ref("model_purposes")),
                domain_data=frame(dbt.ref("int_governance__domain_data")),
                rules=frame(dbt.ref("alert_rules")),
            )
        )
    return cards
