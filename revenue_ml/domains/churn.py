"""Telecom churn: probability that a customer leaves (reference 001).

Two models are registered on the same features (``churn_features``), both class-weighted for
the ~14.6% churn rate:

- ``churn_lightgbm``: LightGBM tuned by a bounded search that maximises cross-validated F1
  (:mod:`revenue_ml.ml.search`); the model that scores customers (``churn_scores``);
- ``churn_random_forest``: the reference's base model, sklearn's RandomForest with its default
  hyper-parameters, stored as JSON trees (:mod:`revenue_ml.ml.families.forest`): the baseline
  to beat.

Evaluation: a stratified 20% held-out test split is set aside first; stratified k-fold CV on
the rest gives the CV metrics and the F1-optimal threshold (the search sees the same rest).
Rows whose Churn is empty (``churned`` null) are scored, never trained on.

``customer_key``: the BigML file has no customer id, so the key is a hash of the row's
identifying fields (every column but ``Churn``), plus ``-2``, ``-3``... for exact twins; it
survives re-ordering the file and a label arriving
(:func:`revenue_ml.raw_features.churn.customer_keys`).

Raw records are scored outside dbt (``python -m revenue_ml.score churn``, the REST service,
the MLflow models) along :data:`ROUTES`, with the features the twin of the SQL computes
(:mod:`revenue_ml.raw_features.churn`); :data:`EXAMPLE` is a record of the raw file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import ClassVar

import pandas as pd

from revenue_ml.ml import drift
from revenue_ml.ml.binary import BinarySpec, BinaryTrainer, cv_folds_for, gate_floor
from revenue_ml.ml.families import ForestModel, LightGBM
from revenue_ml.ml.families.lightgbm import DEFAULT_PARAMS
from revenue_ml.ml.lifecycle import BaselineRule, serving, train_or_reuse
from revenue_ml.ml.reasons import FeatureLabel, Wording
from revenue_ml.ml.scoring import Route, score
from revenue_ml.ml.search import SearchSpace
from revenue_ml.settings import DomainSettings, MlSettings

DOMAIN = "churn"
KEY = "customer_key"
TARGET = "churned"

#: Features, in model order (all numeric; plans are 0/1 flags). See churn_features.yml.
FEATURES = [
    "account_length_days",
    "has_international_plan",
    "has_voice_mail_plan",
    "vmail_messages",
    "day_minutes",
    "day_calls",
    "eve_minutes",
    "eve_calls",
    "night_minutes",
    "night_calls",
    "intl_minutes",
    "intl_calls",
    "customer_service_calls",
    "total_minutes",
    "total_calls",
    "total_charge",
]

#: The features in business words, for the reasons a customer is at risk.
LABELS = {
    "account_length_days": FeatureLabel("account age", "days"),
    "has_international_plan": FeatureLabel("international plan", "flag"),
    "has_voice_mail_plan": FeatureLabel("voice-mail plan", "flag"),
    "vmail_messages": FeatureLabel("voice-mail messages", "count"),
    "day_minutes": FeatureLabel("daytime minutes", "minutes"),
    "day_calls": FeatureLabel("daytime calls", "count"),
    "eve_minutes": FeatureLabel("evening minutes", "minutes"),
    "eve_calls": FeatureLabel("evening calls", "count"),
    "night_minutes": FeatureLabel("night minutes", "minutes"),
    "night_calls": FeatureLabel("night calls", "count"),
    "intl_minutes": FeatureLabel("international minutes", "minutes"),
    "intl_calls": FeatureLabel("international calls", "count"),
    "customer_service_calls": FeatureLabel("customer-service calls", "count"),
    "total_minutes": FeatureLabel("minutes in total", "minutes"),
    "total_calls": FeatureLabel("calls in total", "count"),
    "total_charge": FeatureLabel("total charge", "money"),
}

SCORING_MODEL = "churn_lightgbm"
BASELINE_MODEL = "churn_random_forest"

LGB_PARAMS = {**DEFAULT_PARAMS, "num_boost_round": 300}
LGB_GRID = {
    "num_leaves": [7, 15, 31],
    "learning_rate": [0.03, 0.05, 0.1],
    "min_data_in_leaf": [5, 10, 20],
    "feature_fraction": [0.7, 0.9, 1.0],
    "lambda_l2": [0.0, 1.0, 5.0],
    "num_boost_round": [150, 300, 500],
}
#: The reference's base model: sklearn's RandomForestClassifier defaults (100 trees, square-root
#: feature sampling, full-depth trees).
RF_PARAMS = {"n_estimators": 100, "min_samples_leaf": 1, "max_features": "sqrt"}


@dataclass(frozen=True)
class Settings(DomainSettings):
    """The churn vars (``churn_<name>`` in dbt_project.yml)."""

    prefix: ClassVar[str] = "churn_"
    #: Symbol money is shown with (dashboard, reasons); the data carry no currency.
    currency: str
    #: Gate on the LightGBM model's CV AUC (None = no gate).
    auc_floor: float | None
    cv_folds: int
    #: The gate applies once the rarer class has this many labelled rows.
    gate_min_positives: int
    search_max_candidates: int
    #: The LightGBM model must beat the random-forest baseline's CV AUC by this much, else
    #: the baseline scores.
    baseline_margin: float


def trainers(
    forbidden: frozenset[str],
    auc_floor: float | None,
    cv_folds: int,
    max_candidates: int,
    seed: int = 42,
    baseline_margin: float = 0.0,
) -> list[BinaryTrainer]:
    """LightGBM (searched, gated by ``auc_floor`` on CV AUC, compared with the baseline on
    the same CV AUC) and the random-forest baseline."""
    lgb_spec = replace(
        base_spec(forbidden),
        test_share=0.2,
        cv_folds=cv_folds,
        seed=seed,
        min_rows=30,
        class_weight="balanced",
        params=dict(LGB_PARAMS),
    )
    rf_spec = replace(lgb_spec, name=BASELINE_MODEL, params=dict(RF_PARAMS))
    space = SearchSpace(grid=LGB_GRID, max_candidates=max_candidates, cv_folds=cv_folds, seed=seed)
    rule = BaselineRule(BASELINE_MODEL, f"{lgb_spec.cv_name}.auc", baseline_margin)
    return [
        BinaryTrainer(lgb_spec, LightGBM, auc_floor, search=space, baseline_rule=rule),
        BinaryTrainer(rf_spec, ForestModel, None),
    ]


def train(
    features: pd.DataFrame,
    existing: pd.DataFrame | None,
    settings: Settings,
    forbidden: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """New registry rows for the churn models (none when every model is reused)."""
    folds = cv_folds_for(features, TARGET, settings.cv_folds)
    floor = gate_floor(features, TARGET, settings.auc_floor, settings.gate_min_positives)
    return train_or_reuse(
        features,
        trainers(
            forbidden,
            floor,
            folds,
            settings.search_max_candidates,
            baseline_margin=settings.baseline_margin,
        ),
        existing,
        settings.ml.retrain_policy,
        settings.ml.runtime(),
    )


def base_spec(forbidden: frozenset[str] = frozenset()) -> BinarySpec:
    """The scoring spec skeleton (the registered record supplies the feature list)."""
    return BinarySpec(
        name=SCORING_MODEL,
        domain=DOMAIN,
        variant="all_customers",
        key=KEY,
        target=TARGET,
        numeric=FEATURES,
        forbidden=forbidden,
    )


#: How a customer's reasons read: what raises the churn risk, what lowers it.
WORDING = Wording(up="Raises the risk", down="Lowers it")

#: Raw records: every customer is scored by the scoring model (its baseline's MLflow model
#: scores the same records).
ROUTES = (Route(SCORING_MODEL, base_spec(), labels=LABELS, alternatives=(BASELINE_MODEL,)),)
#: One record of the BigML churn file (the REST documentation's and the MLflow models'
#: example).
EXAMPLE = {
    "State": "KS",
    "Account length": 128,
    "Area code": 415,
    "International plan": "No",
    "Voice mail plan": "Yes",
    "Number vmail messages": 25,
    "Total day minutes": 265.1,
    "Total day calls": 110,
    "Total day charge": 45.07,
    "Total eve minutes": 197.4,
    "Total eve calls": 99,
    "Total eve charge": 16.78,
    "Total night minutes": 244.7,
    "Total night calls": 91,
    "Total night charge": 11.01,
    "Total intl minutes": 10.0,
    "Total intl calls": 3,
    "Total intl charge": 2.7,
    "Customer service calls": 4,
}


def labels(currency: str = "") -> dict[str, FeatureLabel]:
    """:data:`LABELS` with money in ``currency``."""
    return {
        name: replace(label, currency=currency) if label.kind == "money" else label
        for name, label in LABELS.items()
    }


def score_customers(
    features: pd.DataFrame, registry: pd.DataFrame, settings: Settings | None = None
) -> pd.DataFrame:
    """One score per customer. A customer the model was trained on gets its out-of-sample
    probability (out-of-fold, or held-out), never the in-sample one; a new customer (no
    label, or not in the training data) the model's. ``score_source`` says which.

    The reasons are computed for the customers someone may call: every active (not churned)
    customer, whichever side of the threshold (the risk list ranks them all), with what raises
    the risk and what lowers it; money in ``settings.currency``."""
    record, _ = serving(registry, SCORING_MODEL)
    active = features[TARGET].fillna(0).to_numpy() != 1
    scores = score(
        features,
        record,
        base_spec(),
        explain=active,
        labels=labels(settings.currency if settings is not None else ""),
        out_of_sample=True,
        wording=WORDING,
    )
    meta = features[[KEY, TARGET, "is_labeled"]]
    scores = meta.merge(scores, on=KEY, how="inner", validate="one_to_one")
    scores["is_training_row"] = scores["is_labeled"].astype(bool)
    scores["scored_at"] = datetime.now(UTC).replace(tzinfo=None)
    return scores.sort_values(KEY, kind="mergesort").reset_index(drop=True)


def feature_drift(
    features: pd.DataFrame, registry: pd.DataFrame, settings: MlSettings
) -> pd.DataFrame:
    """Drift of the unlabelled batch against the scoring model's training data (typed and
    empty when there is no unlabelled row)."""
    batch = features[~features["is_labeled"].astype(bool)]
    records = [serving(registry, SCORING_MODEL)[0]] if len(batch) else []
    return drift.feature_drift(
        records, batch, settings.drift_ks_threshold, settings.drift_psi_threshold
    )
