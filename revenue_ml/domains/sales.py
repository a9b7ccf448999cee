"""Sales pipeline: probability that an offer closes won (reference 000).

Two variants are registered, each as LightGBM plus a logistic-regression baseline:
- ``at_close``: the write-up's feature set, including the deal duration (close - created),
  which is only known once the offer has closed;
- ``at_open``: only what is known when the offer is created. Open offers are scored with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import pandas as pd

from revenue_ml.ml import binary, drift
from revenue_ml.ml.lifecycle import BinaryTrainer, latest_passing, score, train_or_reuse
from revenue_ml.ml.reasons import FeatureLabel
from revenue_ml.settings import DomainSettings, MlSettings

DOMAIN = "sales"
KEY = "offer_id"
TARGET = "won"

AT_OPEN_NUMERIC = [
    "is_corporate_event",
    "price",
    "has_discount_code",
    "has_pain",
    "has_lead",
    "has_city",
    "has_acquisition_campaign",
    "days_lead_to_offer",
]
CATEGORICAL = ["use_case", "pain_category", "lead_source"]
AT_CLOSE_NUMERIC = AT_OPEN_NUMERIC + ["duration_days"]

#: The features in business words, for the reasons an offer is likely to close won.
LABELS = {
    "is_corporate_event": FeatureLabel("corporate event", "flag", no="not a corporate event"),
    "price": FeatureLabel("price", "money"),
    "has_discount_code": FeatureLabel("discount code", "flag"),
    "has_pain": FeatureLabel("pain stated", "flag", no="no pain stated"),
    "has_lead": FeatureLabel("known lead", "flag", no="no matching lead"),
    "has_city": FeatureLabel("lead city known", "flag", no="lead city unknown"),
    "has_acquisition_campaign": FeatureLabel(
        "came from a campaign", "flag", no="not from a campaign"
    ),
    "days_lead_to_offer": FeatureLabel("lead to offer", "days"),
    "duration_days": FeatureLabel("open for", "days"),
    "use_case": FeatureLabel("use case", "category"),
    "pain_category": FeatureLabel("pain", "category"),
    "lead_source": FeatureLabel("lead source", "category"),
}

#: LightGBM model used to score open offers / closed offers.
OPEN_MODEL = "offer_close_at_open"
CLOSED_MODEL = "offer_close_at_close"


@dataclass(frozen=True)
class Settings(DomainSettings):
    """The sales vars (``sales_<name>`` in dbt_project.yml): the AUC floor of each variant's
    LightGBM model (None = no gate)."""

    prefix: ClassVar[str] = "sales_"
    #: Symbol money is shown with (dashboard, reasons); the data carry no currency.
    currency: str
    auc_floor_at_close: float | None
    auc_floor_at_open: float | None


def specs(forbidden: frozenset[str], seed: int = 42) -> dict[str, binary.BinarySpec]:
    """The variants' specs (10-fold CV as in the write-up, time holdout on created_date)."""
    common = dict(
        domain=DOMAIN,
        key=KEY,
        target=TARGET,
        categorical=CATEGORICAL,
        forbidden=forbidden,
        time_column="created_date",
        holdout_share=0.2,
        cv_folds=10,
        seed=seed,
    )
    return {
        "at_close": binary.BinarySpec(
            name=CLOSED_MODEL, variant="at_close", numeric=AT_CLOSE_NUMERIC, **common
        ),
        "at_open": binary.BinarySpec(
            name=OPEN_MODEL, variant="at_open", numeric=AT_OPEN_NUMERIC, **common
        ),
    }


def trainers(
    forbidden: frozenset[str], floors: dict[str, float | None], seed: int = 42
) -> list[BinaryTrainer]:
    """LightGBM (gated by the AUC floor of its variant) and a logistic baseline per variant."""
    out = []
    for variant, spec in specs(forbidden, seed).items():
        out.append(BinaryTrainer(spec, binary.LIGHTGBM, floors.get(variant)))
        baseline = binary.BinarySpec(**{**spec.__dict__, "name": f"{spec.name}_baseline"})
        out.append(BinaryTrainer(baseline, binary.LOGISTIC, None))
    return out


def train(
    features: pd.DataFrame,
    existing: pd.DataFrame | None,
    settings: Settings,
    forbidden: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """New registry rows for the offer models (none when every model is reused)."""
    floors = {"at_close": settings.auc_floor_at_close, "at_open": settings.auc_floor_at_open}
    return train_or_reuse(
        features,
        trainers(forbidden, floors),
        existing,
        settings.ml.retrain_policy,
        settings.ml.runtime(),
    )


def score_offers(
    features: pd.DataFrame, registry: pd.DataFrame, forbidden: frozenset[str]
) -> pd.DataFrame:
    """One score per offer: open offers with ``at_open`` (with their reasons), closed offers
    with ``at_close`` (out-of-sample for the offers it was trained on, see
    :func:`revenue_ml.ml.lifecycle.score`)."""
    spec = specs(forbidden)
    is_closed = features["is_closed"].astype(bool)
    parts = []
    for variant, mask in (("at_close", is_closed), ("at_open", ~is_closed)):
        record = latest_passing(registry, spec[variant].name)
        # the top driver matters for the open offers a sales manager can still work on
        scored = score(
            features[mask],
            record,
            spec[variant],
            explain=variant == "at_open",
            labels=LABELS,
            out_of_sample=True,
        )
        scored["variant"] = variant
        parts.append(scored)
    scores = pd.concat(parts, ignore_index=True)
    meta = features[[KEY, "status", "is_closed", "won", "use_case", "lead_source"]]
    scores = meta.merge(scores, on=KEY, how="inner", validate="one_to_one")
    scores["is_training_row"] = scores["won"].notna()
    scores["scored_at"] = datetime.now(UTC).replace(tzinfo=None)
    return scores.sort_values(KEY, kind="mergesort").reset_index(drop=True)


def feature_drift(
    features: pd.DataFrame, registry: pd.DataFrame, settings: MlSettings
) -> pd.DataFrame:
    """Drift of the open offers (the scoring batch) against the training data of the model that
    scores them (``at_open``; the ``at_close`` model never scores an open offer, and its
    ``duration_days`` is unknown for open offers by design, so comparing it would flag a
    "drift" on every build)."""
    batch = features[~features["is_closed"].astype(bool)]
    records = [latest_passing(registry, OPEN_MODEL)] if len(batch) else []
    return drift.feature_drift(
        records, batch, settings.drift_ks_threshold, settings.drift_psi_threshold
    )
