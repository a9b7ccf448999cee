"""One markdown card per registered model version (revenue_ml.governance.cards).

Rendered on every build (the status and the slices are that build's); print one with
`python -m revenue_ml.registry card <model> [version]`. With an MLflow tracking URI set, each
version's card is also logged to its MLflow run (model_card.md), once."""

from revenue_ml.dbt import clear_errors, frame
from revenue_ml.governance.cards import CardInputs, model_cards
from revenue_ml.ml.tracking import log_cards
from revenue_ml.settings import RegistrySettings


def model(dbt, session):
    dbt.config(materialized="table")
    with clear_errors():
        registry = frame(dbt.ref("model_registry"))
        cards = model_cards(
            CardInputs(
                registry=registry,
                slices=frame(dbt.ref("model_slice_metrics")),
                fairness=frame(dbt.ref("model_fairness")),
                scorecard=frame(dbt.ref("model_scorecard")),
                purposes=frame(dbt.ref("model_purposes")),
                domain_data=frame(dbt.ref("int_governance__domain_data")),
                rules=frame(dbt.ref("alert_rules")),
            )
        )
        settings = RegistrySettings.from_table(frame(dbt.source("ml", "build_settings")))
        log_cards(cards, registry, settings)
    return cards
