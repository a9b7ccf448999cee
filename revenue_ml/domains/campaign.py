"""Campaign response: who answers the next campaign, when to contact, and segments (ref. 002).

- ``campaign_response``: a blend, in log-odds space with equal weights, of LightGBM and an
  L2 logistic regression on ``campaign_features``, with the engineered spend-mix, channel and
  household features (:data:`ENGINEERED`); gated on CV AUC;
- ``campaign_response_baseline``: the bar it must clear, LightGBM with the library's default
  parameters on the write-up's columns (:data:`NUMERIC` and :data:`CATEGORICAL`), i.e. what an
  untuned model gets out of the box. The response model must beat it by
  ``campaign_baseline_margin`` mean AUC over ``campaign_repeated_splits`` stratified 80/20
  splits (the same splits for both; mean, sd, min and max are stored);
- expected profit per threshold (cost per contact x contacts vs revenue per responder x
  responders, on the out-of-fold probabilities), with a 90% bootstrap band over the customers
  (``campaign_profit_bootstrap`` resamples): curve ``expected_profit`` of the version, and the
  band at each business objective's threshold;
- business objectives (seed ``campaign_objective_definitions``): each turns the model's out-of-fold
  probabilities into a contact threshold (minimum recall, F1-optimal, or maximum expected
  profit) with its expected contacts, responders, cost, revenue and profit. They are computed at
  training time and stored as ``objective`` rows of the registered version's evaluation (the
  thresholds and their economics: :mod:`revenue_ml.ml.objectives`);
- KMeans segments with k = 2 and k = 3 on :data:`SEGMENT_FEATURES`, standardised, registered
  as ``campaign_segments_k2`` / ``campaign_segments_k3`` (fitted on the labelled customer
  base; every customer, including a new batch, is assigned by the registered model).

Raw records of the campaign file are scored outside dbt along :data:`ROUTES` with
:func:`scoring_spec`, the spec the marts score with too; :data:`EXAMPLE` is one such record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import ClassVar

import pandas as pd

from revenue_ml.ml import protocols
from revenue_ml.ml.binary import BinarySpec, BinaryTrainer, cv_folds_for, gate_floor
from revenue_ml.ml.families import LightGBM, LogitBlend
from revenue_ml.ml.families.lightgbm import DEFAULT_PARAMS
from revenue_ml.ml.lifecycle import BaselineRule, champion, serving, train_or_reuse
from revenue_ml.ml.objectives import (
    objective_rows,
    objective_thresholds,
    objectives_from_seed,
    profit_curve,
)
from revenue_ml.ml.reasons import FeatureLabel
from revenue_ml.ml.scoring import Route, score
from revenue_ml.ml.segmentation import KMeansTrainer, SegmentModel
from revenue_ml.settings import DomainSettings

DOMAIN = "campaign"
KEY = "customer_id"
TARGET = "responded"
MODEL = "campaign_response"
BASELINE = "campaign_response_baseline"

#: Spend per product category and in total, purchases per channel (the response model's and
#: the segmentation's).
SPEND = [
    "spend_wines",
    "spend_fruits",
    "spend_meat",
    "spend_fish",
    "spend_sweets",
    "spend_gold",
    "spend_total",
]
PURCHASES = ["purchases_deals", "purchases_web", "purchases_catalog", "purchases_store"]
NUMERIC = [
    "age",
    "is_birth_year_implausible",
    "tenure_days",
    "income_imputed",
    "is_income_missing",
    "kids_at_home",
    "teens_at_home",
    "children_at_home",
    "recency_days",
    *SPEND,
    *PURCHASES,
    "purchases_total",
    "web_visits_last_month",
    "accepted_campaign_1",
    "accepted_campaign_2",
    "accepted_campaign_3",
    "accepted_campaign_4",
    "accepted_campaign_5",
    "campaigns_accepted",
    "has_complained",
]
CATEGORICAL = ["education", "marital_status"]
#: Engineered features of the response model (campaign_features.sql): spend mix, channels,
#: household. With them a default LightGBM gains ~0.008 mean AUC; the blend adds ~0.01 more.
ENGINEERED = [
    "spend_per_purchase",
    "wine_share",
    "meat_share",
    "gold_share",
    "deals_share",
    "catalog_share",
    "web_purchases_per_visit",
    "lives_with_partner",
    "household_size",
    "income_per_household_member",
    "spend_to_income",
]
#: The baseline: LightGBM's own defaults (100 rounds, learning rate 0.1, 31 leaves).
DEFAULT_LIGHTGBM_PARAMS = {"objective": "binary", "num_boost_round": 100}

#: The features in business words, for the reasons a customer is on a target list.
LABELS = {
    "age": FeatureLabel("age", "years", personal=True),
    "is_birth_year_implausible": FeatureLabel(
        "implausible birth year", "flag", no="plausible birth year", personal=True
    ),
    "tenure_days": FeatureLabel("customer for", "days"),
    "income_imputed": FeatureLabel("household income", "money", personal=True),
    "is_income_missing": FeatureLabel("income unknown", "flag", no="income known"),
    "kids_at_home": FeatureLabel("small children at home", "count", personal=True),
    "teens_at_home": FeatureLabel("teenagers at home", "count", personal=True),
    "children_at_home": FeatureLabel("children at home", "count", personal=True),
    "recency_days": FeatureLabel("last purchase", "days"),
    "spend_wines": FeatureLabel("spend on wine", "money"),
    "spend_fruits": FeatureLabel("spend on fruit", "money"),
    "spend_meat": FeatureLabel("spend on meat", "money"),
    "spend_fish": FeatureLabel("spend on fish", "money"),
    "spend_sweets": FeatureLabel("spend on sweets", "money"),
    "spend_gold": FeatureLabel("spend on gold products", "money"),
    "spend_total": FeatureLabel("total spend", "money"),
    "purchases_deals": FeatureLabel("purchases with a discount", "count"),
    "purchases_web": FeatureLabel("web purchases", "count"),
    "purchases_catalog": FeatureLabel("catalogue purchases", "count"),
    "purchases_store": FeatureLabel("store purchases", "count"),
    "purchases_total": FeatureLabel("purchases in total", "count"),
    "web_visits_last_month": FeatureLabel("web visits last month", "count"),
    "accepted_campaign_1": FeatureLabel("accepted campaign 1", "flag", no="declined campaign 1"),
    "accepted_campaign_2": FeatureLabel("accepted campaign 2", "flag", no="declined campaign 2"),
    "accepted_campaign_3": FeatureLabel("accepted campaign 3", "flag", no="declined campaign 3"),
    "accepted_campaign_4": FeatureLabel("accepted campaign 4", "flag", no="declined campaign 4"),
    "accepted_campaign_5": FeatureLabel("accepted campaign 5", "flag", no="declined campaign 5"),
    "campaigns_accepted": FeatureLabel("earlier campaigns accepted", "count"),
    "has_complained": FeatureLabel("complained recently", "flag", no="no complaint"),
    "education": FeatureLabel("education", "category", personal=True),
    "marital_status": FeatureLabel("marital status", "category", personal=True),
    "spend_per_purchase": FeatureLabel("spend per purchase", "money"),
    "wine_share": FeatureLabel("share of spend on wine", "percent"),
    "meat_share": FeatureLabel("share of spend on meat", "percent"),
    "gold_share": FeatureLabel("share of spend on gold products", "percent"),
    "deals_share": FeatureLabel("share of purchases with a discount", "percent"),
    "catalog_share": FeatureLabel("share of purchases from the catalogue", "percent"),
    "web_purchases_per_visit": FeatureLabel("web purchases per visit", "number"),
    "lives_with_partner": FeatureLabel(
        "lives with a partner", "flag", no="lives alone", personal=True
    ),
    "household_size": FeatureLabel("household size", "count", personal=True),
    "income_per_household_member": FeatureLabel(
        "income per household member", "money", personal=True
    ),
    "spend_to_income": FeatureLabel("spend to income", "number", personal=True),
}

#: The 19 features the segmentation uses (the reference clustered on 19 of its 35): who the
#: customer is (income, age, household, tenure) and how they buy (spend per category, channels,
#: visits, recency, past campaigns). Complaints and flags are left out (too rare to shape clusters).
SEGMENT_FEATURES = [
    "income_imputed",
    "age",
    "kids_at_home",
    "children_at_home",
    "tenure_days",
    "recency_days",
    *SPEND,
    *PURCHASES,
    "web_visits_last_month",
    "campaigns_accepted",
]
SEGMENT_KS = (2, 3)


@dataclass(frozen=True)
class Settings(DomainSettings):
    """The campaign vars (``campaign_<name>`` in dbt_project.yml)."""

    prefix: ClassVar[str] = "campaign_"
    #: Symbol money is shown with (dashboard, reasons); the data carry no currency.
    currency: str
    #: Gate on the LightGBM model's CV AUC (None = no gate), applied once the rarer class has
    #: ``gate_min_positives`` labelled rows.
    auc_floor: float | None
    cv_folds: int
    gate_min_positives: int
    segment_seed: int
    #: Mean AUC over the repeated splits by which the model must beat the baseline.
    baseline_margin: float
    repeated_splits: int
    #: Bootstrap resamples behind the expected-profit band.
    profit_bootstrap: int


def segment_model_name(k: int) -> str:
    return f"campaign_segments_k{k}"


# --- Training and scoring --------------------------------------------------------------------


def contact_economics(features: pd.DataFrame) -> tuple[float, float]:
    """(cost, revenue) per contact: the medians over labelled rows (constant in the data)."""
    labelled = features[features[TARGET].notna()]
    return (
        float(labelled["cost_per_contact"].median()),
        float(labelled["revenue_per_responder"].median()),
    )


def trainers(
    forbidden: frozenset[str],
    auc_floor: float | None,
    cv_folds: int,
    objectives: list[dict],
    cost_per_contact: float,
    revenue_per_responder: float,
    seed: int = 42,
    segment_seed: int = 42,
    baseline_margin: float = 0.01,
    repeated: int = 10,
    profit_resamples: int = 200,
) -> list:
    """The response blend (gated, with the objectives and the expected-profit curve), its
    default-LightGBM baseline and the segmentations."""
    spec = replace(
        scoring_spec(),
        forbidden=forbidden,
        test_share=0.2,
        cv_folds=cv_folds,
        seed=seed,
        min_rows=30,
        repeated_splits=repeated,
        params={**DEFAULT_PARAMS, "blend_weight": 0.5, "logistic_c": 1.0},
    )
    baseline = replace(
        spec, name=BASELINE, numeric=list(NUMERIC), params=dict(DEFAULT_LIGHTGBM_PARAMS)
    )
    extra = {
        "objectives": objectives,
        # max_profit contacts above the break-even probability (max_profit_threshold); the
        # earlier rule maximised the out-of-fold profit: changing it retrains the model
        "max_profit_rule": "breakeven_probability",
        "cost_per_contact": cost_per_contact,
        "revenue_per_responder": revenue_per_responder,
        "profit_bootstrap": profit_resamples,
    }
    hook = objective_rows(
        objectives, cost_per_contact, revenue_per_responder, profit_resamples, seed
    )
    curves = profit_curve(cost_per_contact, revenue_per_responder, profit_resamples, seed)
    rule = BaselineRule(BASELINE, f"{protocols.REPEATED_EVALUATION}.auc", baseline_margin)
    segments = [
        KMeansTrainer(
            name=segment_model_name(k),
            domain=DOMAIN,
            key=KEY,
            features=list(SEGMENT_FEATURES),
            k=k,
            order_by="spend_total",
            seed=segment_seed,
            first_id=0,
        )
        for k in SEGMENT_KS
    ]
    return [
        BinaryTrainer(
            spec,
            LogitBlend,
            auc_floor,
            extra_params=extra,
            extra_evaluation=hook,
            extra_curves=curves,
            baseline_rule=rule,
        ),
        # the baseline carries the objectives too: it scores when the blend does not beat it
        BinaryTrainer(
            baseline,
            LightGBM,
            None,
            extra_params=extra,
            extra_evaluation=hook,
            extra_curves=curves,
        ),
        *segments,
    ]


def train(
    features: pd.DataFrame,
    existing: pd.DataFrame | None,
    settings: Settings,
    objectives: pd.DataFrame,
    forbidden: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """New registry rows for the campaign models (none when every model is reused).

    The segmentations are fitted on the labelled customer base (the known customers), so an
    appended batch of customers to score does not move the segments."""
    cost, revenue = contact_economics(features)
    floor = gate_floor(features, TARGET, settings.auc_floor, settings.gate_min_positives)
    models = trainers(
        forbidden,
        floor,
        cv_folds_for(features, TARGET, settings.cv_folds),
        objectives_from_seed(objectives),
        cost,
        revenue,
        segment_seed=settings.segment_seed,
        baseline_margin=settings.baseline_margin,
        repeated=settings.repeated_splits,
        profit_resamples=settings.profit_bootstrap,
    )
    policy, runtime = settings.ml.retrain_policy, settings.ml.runtime()
    classifiers = train_or_reuse(features, models[:2], existing, policy, runtime)
    base = features[features[TARGET].notna()]
    segments = train_or_reuse(base, models[2:], existing, policy, runtime)
    return pd.concat([classifiers, segments], ignore_index=True) if len(segments) else classifiers


def scoring_spec() -> BinarySpec:
    """The spec the response model (or its baseline) scores with: the build's marts and the
    raw-record scorer (the registered version's own feature list wins,
    :func:`revenue_ml.ml.scoring.spec_from_record`)."""
    return BinarySpec(
        name=MODEL,
        domain=DOMAIN,
        variant="all_customers",
        key=KEY,
        target=TARGET,
        numeric=NUMERIC + ENGINEERED,
        categorical=CATEGORICAL,
    )


#: Raw records: every customer is scored by the response model (its baseline's MLflow model
#: scores the same records).
ROUTES = (Route(MODEL, scoring_spec(), labels=LABELS, alternatives=(BASELINE,)),)
#: One record of the iFood campaign file (the REST documentation's and the MLflow models'
#: example).
EXAMPLE = {
    "ID": 5524,
    "Year_Birth": 1957,
    "Education": "Graduation",
    "Marital_Status": "Single",
    "Income": 58138,
    "Kidhome": 0,
    "Teenhome": 0,
    "Dt_Customer": "04-09-2012",
    "Recency": 58,
    "MntWines": 635,
    "MntFruits": 88,
    "MntMeatProducts": 546,
    "MntFishProducts": 172,
    "MntSweetProducts": 88,
    "MntGoldProds": 88,
    "NumDealsPurchases": 3,
    "NumWebPurchases": 8,
    "NumCatalogPurchases": 10,
    "NumStorePurchases": 4,
    "NumWebVisitsMonth": 7,
    "AcceptedCmp3": 0,
    "AcceptedCmp4": 0,
    "AcceptedCmp5": 0,
    "AcceptedCmp1": 0,
    "AcceptedCmp2": 0,
    "Complain": 0,
}


def score_customers(features: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """One response probability per customer from ``campaign_response``'s champion, or its
    baseline's when the blend does not beat it (:func:`revenue_ml.ml.lifecycle.serving`;
    both carry the objectives' thresholds), out-of-sample for the customers it was trained on
    (see :func:`revenue_ml.ml.scoring.score`); the reasons for the customers on any
    objective's target list."""
    record, _ = serving(registry, MODEL)
    lowest = min(objective_thresholds(record).values(), default=float(record["threshold"]))
    scores = score(
        features,
        record,
        scoring_spec(),
        explain=lambda s: s["probability"].to_numpy() >= lowest,
        labels=LABELS,
        out_of_sample=True,
    )
    meta = features[[KEY, TARGET, "is_labeled"]]
    scores = meta.merge(scores, on=KEY, how="inner", validate="one_to_one")
    scores["scored_at"] = datetime.now(UTC).replace(tzinfo=None)
    return scores.sort_values(KEY, kind="mergesort").reset_index(drop=True)


# --- Segmentation ----------------------------------------------------------------------------


def segment(features: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """Segments for k = 2 and 3 by the registered KMeans models: one row per customer and k.

    Segment numbers are ordered by the base's mean total spend (0 = lowest), so they are stable
    across builds; ``silhouette`` is the base's mean silhouette for that k (registry)."""
    parts = []
    frame = protocols.in_key_order(features, KEY)
    for k in SEGMENT_KS:
        record = champion(registry, segment_model_name(k))
        model = SegmentModel.from_json(record["model_text"])
        silhouette = json.loads(record["metrics"])["fit"]["silhouette"]
        parts.append(
            pd.DataFrame(
                {
                    KEY: frame[KEY].to_numpy(),
                    "k": k,
                    "segment": model.assign(frame),
                    "silhouette": silhouette,
                    "model_name": record["model_name"],
                    "model_version": int(record["model_version"]),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    return out.astype({"k": "int64", "segment": "int64", "silhouette": "float64"})
