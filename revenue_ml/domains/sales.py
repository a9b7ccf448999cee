"""Sales pipeline: probability that an offer closes won (reference 000).

Raw records of the offers file are scored outside dbt along :data:`ROUTES` (closed offers by
at_close, open ones by by_age at their age); :data:`EXAMPLE` is one such record.

Three variants are registered, each next to a baseline it must beat:

- ``by_age``: the question a sales manager has about an offer still open today: "open for
  ``t`` days, will it still close won within the next ``sales_win_horizon_days``?". A
  landmark model (:mod:`revenue_ml.ml.landmark`) on the creation facts plus the age,
  validated by replaying past dates (``as_of_backtest``); its baseline is the at-creation
  logistic model with the age as bands (the at-creation odds shifted by the age's odds). Open
  offers are scored with it (or with its baseline when the model does not beat it by the
  margin, :func:`revenue_ml.ml.lifecycle.serving`).

- ``at_close``: the write-up's feature set, including the deal duration (close - created),
  which is only known once the offer has closed; closed offers are scored with it (in-sample).
  Evaluated as in the write-up: 10-fold CV, plus a time holdout (newest 20% by created date).
- ``at_open``: only what is known when the offer is created: the chance an offer had on its
  first day, shown next to the by_age chance of each open offer, and the model the REST
  service scores a new offer with. Its headline protocol is a rolling origin
  (:data:`ROLLING_WINDOWS` windows over the newest half of the closed offers; each window's
  model learns only from offers whose outcome was known before the window starts,
  ``outcome_known_date``), so the figure is what a new offer gets.

The at_open feature set is the outcome of leakage checks against the creation date, written
down in the docs of ``offer_features`` (models/marts/sales/_sales__models.yml):

- kept: use case, price, discount code (flag and the number in it), pain, and whether the
  offer's ``Id`` is empty (``has_lead_id``). The empty Id is known at creation: offers still
  open carry it (26%; 30-54% at the Demo and Negotiation stages) at least as often as lost
  ones (31%), so it is not written at or after the close, and it goes with other creation
  facts (97% of Wedding Planning offers have no Id);
- left out: everything derived from the leads extract (``has_lead``, lead source, city,
  campaign, lead-to-offer lag, city history): an offer whose Id is present but missing from
  the leads extract is won in 92% of cases; such offers are 31% of won offers, 37% of the
  near-final Checkbox stage and 3.7% of lost ones: the lead left the extract when it
  converted, after the outcome. Every lead attribute is null exactly for those offers, so the
  attributes carry the outcome; among offers whose lead is in the extract they carry no signal
  (Inbound 55.5% won vs Outbound 56.2%).
- computed point-in-time but not used (the rolling-origin AUC did not improve): calendar of
  the creation date, offers to the same lead before, the use case's 90-day win rate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import ClassVar

import pandas as pd

from revenue_ml.ml import drift, landmark, protocols
from revenue_ml.ml.binary import BinarySpec, BinaryTrainer, gate_floor
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.families import LightGBM, LinearModel
from revenue_ml.ml.lifecycle import BaselineRule, champion, serving, train_or_reuse
from revenue_ml.ml.reasons import FeatureLabel, Wording
from revenue_ml.ml.scoring import Route, score
from revenue_ml.settings import DomainSettings, MlSettings

DOMAIN = "sales"
KEY = "offer_id"
TARGET = "won"

#: The write-up's features (at_close adds the duration): unchanged since the first version.
WRITE_UP_NUMERIC = [
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
AT_CLOSE_NUMERIC = WRITE_UP_NUMERIC + ["duration_days"]

#: at_open: only what is known at creation (see the module docstring for the checks).
AT_OPEN_NUMERIC = ["price", "has_discount_code", "discount_number", "has_lead_id"]
AT_OPEN_CATEGORICAL = ["use_case_or_not_recorded", "pain_or_not_recorded"]
#: The at_open baseline: a logistic regression with the price as fixed bands (its effect is
#: not monotonic: free and sub-200 offers close least often).
AT_OPEN_BASELINE_NUMERIC = ["has_discount_code", "discount_number", "has_lead_id"]
AT_OPEN_BASELINE_CATEGORICAL = [*AT_OPEN_CATEGORICAL, "price_band"]
#: Rolling-origin protocol of at_open: windows over the newest half of the closed offers.
ROLLING_WINDOWS = 10
ROLLING_SHARE = 0.5
#: Each window's model learns from at most the 20,000 most recent outcomes known before it
#: (never binding on the public data's 5,600 closed offers; bounds the cost at scale 10).
ROLLING_MAX_TRAIN_ROWS = 20_000

#: The features in business words, for the reasons an offer is likely to close won.
LABELS = {
    "is_corporate_event": FeatureLabel("corporate event", "flag", no="not a corporate event"),
    "price": FeatureLabel("price", "money", source="price"),
    "has_discount_code": FeatureLabel(
        "discount code", "flag", no="no discount code", source="discount_code"
    ),
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
    # at_open and by_age: the code itself names both code features, the price both price ones
    "discount_number": FeatureLabel(
        "discount code", "flag", no="no discount code", source="discount_code"
    ),
    "has_lead_id": FeatureLabel("offer linked to a lead", "flag", no="no lead linked"),
    "use_case_or_not_recorded": FeatureLabel("use case", "category"),
    "pain_or_not_recorded": FeatureLabel("pain", "category"),
    "price_band": FeatureLabel("price", "money", source="price"),
    landmark.AGE: FeatureLabel("open for", "days"),
    landmark.AGE_BAND: FeatureLabel("open for", "category"),
}
#: Features the reasons leave out: the age is stated first, in the mart (open_offers), with
#: what it means ("open 45 days: 80% of won offers had closed by then").
UNSTATED = frozenset({landmark.AGE, landmark.AGE_BAND})

#: The models: open offers at their age, at creation, and closed offers (LightGBM each).
BY_AGE_MODEL = "offer_close_by_age"
OPEN_MODEL = "offer_close_at_open"
CLOSED_MODEL = "offer_close_at_close"
#: Primary metric (and the one compared with the baseline) of each variant.
PRIMARY = {
    "at_close": "cv_10fold",
    "at_open": protocols.ROLLING_EVALUATION,
    "by_age": landmark.BACKTEST_EVALUATION,
}


def baseline_name(model_name: str) -> str:
    return f"{model_name}_baseline"


@dataclass(frozen=True)
class Settings(DomainSettings):
    """The sales vars (``sales_<name>`` in dbt_project.yml): the AUC floor of each variant's
    LightGBM model (None = no gate) and the AUC margin by which each must beat its baseline."""

    prefix: ClassVar[str] = "sales_"
    #: Symbol money is shown with (dashboard, reasons); the data carry no currency.
    currency: str
    auc_floor_at_close: float | None
    auc_floor_at_open: float | None
    auc_floor_by_age: float | None
    baseline_margin: float
    #: by_age: the chance an open offer closes won within this many days.
    win_horizon_days: int
    #: The gates apply once the rarer class has this many labelled offers.
    gate_min_positives: int


def specs(forbidden: frozenset[str], seed: int = 42) -> dict[str, BinarySpec]:
    """The variants' specs: 10-fold CV as in the write-up and a time holdout on created_date;
    at_open adds the rolling origin on the outcome's known date."""
    common = dict(
        domain=DOMAIN,
        key=KEY,
        target=TARGET,
        forbidden=forbidden,
        time_column="created_date",
        holdout_share=0.2,
        cv_folds=10,
        seed=seed,
    )
    return {
        "at_close": BinarySpec(
            name=CLOSED_MODEL,
            variant="at_close",
            numeric=AT_CLOSE_NUMERIC,
            categorical=CATEGORICAL,
            **common,
        ),
        "at_open": BinarySpec(
            name=OPEN_MODEL,
            variant="at_open",
            numeric=AT_OPEN_NUMERIC,
            categorical=AT_OPEN_CATEGORICAL,
            known_at_column="outcome_known_date",
            rolling_windows=ROLLING_WINDOWS,
            rolling_share=ROLLING_SHARE,
            rolling_max_train_rows=ROLLING_MAX_TRAIN_ROWS,
            **common,
        ),
    }


def by_age_specs(horizon_days: int, seed: int = 42) -> dict[str, landmark.LandmarkSpec]:
    """The by_age model (LightGBM on the at_open facts and the age in days) and its baseline
    (the at_open baseline's logistic regression with the age as bands)."""
    common = dict(
        domain=DOMAIN,
        variant="by_age",
        key=KEY,
        event_column=TARGET,
        horizon_days=horizon_days,
        seed=seed,
    )
    return {
        "model": landmark.LandmarkSpec(
            name=BY_AGE_MODEL,
            numeric=AT_OPEN_NUMERIC,
            categorical=AT_OPEN_CATEGORICAL,
            **common,
        ),
        "baseline": landmark.LandmarkSpec(
            name=baseline_name(BY_AGE_MODEL),
            numeric=AT_OPEN_BASELINE_NUMERIC,
            categorical=AT_OPEN_BASELINE_CATEGORICAL,
            age_as_band=True,
            **common,
        ),
    }


def by_age_trainers(
    floor: float | None, margin: float, horizon_days: int, seed: int = 42
) -> list[landmark.LandmarkTrainer]:
    specs_ = by_age_specs(horizon_days, seed)
    rule = BaselineRule(specs_["baseline"].name, f"{landmark.BACKTEST_EVALUATION}.auc", margin)
    return [
        landmark.LandmarkTrainer(specs_["model"], LightGBM, floor, baseline_rule=rule),
        landmark.LandmarkTrainer(specs_["baseline"], LinearModel, None),
    ]


def trainers(
    forbidden: frozenset[str],
    floors: dict[str, float | None],
    margin: float = 0.01,
    seed: int = 42,
) -> list[BinaryTrainer]:
    """Per at_open / at_close variant: LightGBM (gated by its variant's AUC floor, compared
    with its baseline on the variant's primary AUC) and the logistic-regression baseline."""
    out = []
    for variant, spec in specs(forbidden, seed).items():
        base_spec = replace(spec, name=baseline_name(spec.name))
        if variant == "at_open":
            base_spec = replace(
                base_spec,
                numeric=AT_OPEN_BASELINE_NUMERIC,
                categorical=AT_OPEN_BASELINE_CATEGORICAL,
            )
        rule = BaselineRule(base_spec.name, f"{PRIMARY[variant]}.auc", margin)
        out.append(
            BinaryTrainer(
                spec,
                LightGBM,
                floors.get(variant),
                primary_evaluation=PRIMARY[variant] if variant == "at_open" else None,
                baseline_rule=rule,
            )
        )
        out.append(
            BinaryTrainer(
                base_spec,
                LinearModel,
                None,
                primary_evaluation=PRIMARY[variant] if variant == "at_open" else None,
            )
        )
    return out


def train(
    features: pd.DataFrame,
    existing: pd.DataFrame | None,
    settings: Settings,
    forbidden: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """New registry rows for the offer models (none when every model is reused)."""

    def floor(value: float | None) -> float | None:
        return gate_floor(features, TARGET, value, settings.gate_min_positives)

    floors = {
        "at_close": floor(settings.auc_floor_at_close),
        "at_open": floor(settings.auc_floor_at_open),
    }
    every = [
        *trainers(forbidden, floors, settings.baseline_margin),
        *by_age_trainers(
            floor(settings.auc_floor_by_age),
            settings.baseline_margin,
            settings.win_horizon_days,
        ),
    ]
    leaked = sorted({f for t in every for f in t.feature_names} & set(forbidden))
    if leaked:
        raise ModelInputError(
            f"offer models: forbidden feature(s) {leaked} would leak the target. "
            "Fix: remove them from the feature lists in revenue_ml/domains/sales.py."
        )
    return train_or_reuse(
        features, every, existing, settings.ml.retrain_policy, settings.ml.runtime()
    )


#: How the reasons of an open offer read: what speaks for a win, what against it.
WORDING = Wording(up="For a win", down="Against")


#: Raw records: closed offers are scored by the at_close model; open ones, as the marts do
#: (``open_offers``), by the chance to close won within the horizon at their age (by_age, aged
#: at the as-of date the serving version was trained on; at_open, the chance at creation, and
#: the baselines are the alternatives). The horizon does not enter a scoring spec.
ROUTES = (
    Route(
        CLOSED_MODEL,
        specs(frozenset())["at_close"],
        lambda f: f["is_closed"].to_numpy(dtype=bool),
        LABELS,
        alternatives=(baseline_name(CLOSED_MODEL),),
        rows_described="closed offers (Status Closed Won or Closed Lost)",
        rows_column="Status",
        example_changes={"Status": "Closed Won", "Close Date": "2024-04-18"},
    ),
    Route(
        BY_AGE_MODEL,
        landmark.spec_for_scoring(by_age_specs(90)["model"]),
        lambda f: ~f["is_closed"].to_numpy(dtype=bool),
        LABELS,
        alternatives=(baseline_name(BY_AGE_MODEL), OPEN_MODEL, baseline_name(OPEN_MODEL)),
        rows_described="open offers (any other Status, or none)",
        rows_column="Status",
        prepare=landmark.with_age_at_training_date,
        skip=UNSTATED,
        wording=WORDING,
    ),
)
#: One record of the sales offers file, with the optional lead columns (the REST
#: documentation's and the MLflow models' example).
EXAMPLE = {
    "Id": "a1b2c3",
    "Use Case": "Corporate Events",
    "Status": "Demo 1",
    "Created Date": "2024-03-05",
    "Price": 2500,
    "Discount code": "",
    "Pain": "operations",
    "Lead Source": "Inbound",
    "Lead City": "Madrid",
    "Lead Created Date": "2024-02-20",
}


def score_offers(
    features: pd.DataFrame,
    registry: pd.DataFrame,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """One score per offer.

    - Open offers: the chance to close won within the horizon given their age today
      (``by_age``, or its baseline when the model does not beat it: ``serving``), with their
      reasons; ``probability_at_creation`` is the at_open model's chance on the first day.
    - Closed offers: ``at_close``, or its baseline when it does not beat it (out-of-sample
      for the offers it was trained on, see :func:`revenue_ml.ml.scoring.score`).
    """
    is_closed = features["is_closed"].astype(bool).to_numpy()
    closed = features[is_closed]
    open_ = features[~is_closed]
    spec = specs(frozenset())  # scoring reads no forbidden list: the versions' own features
    parts = []

    record, _ = serving(registry, CLOSED_MODEL)
    scored = score(closed, record, spec["at_close"], explain=False, out_of_sample=True)
    scored["variant"] = "at_close"
    parts.append(scored)

    horizon = settings.win_horizon_days if settings is not None else _horizon(registry)
    by_age = by_age_specs(horizon)
    record, serves_because = serving(registry, BY_AGE_MODEL)
    which = "baseline" if record["model_name"] != BY_AGE_MODEL else "model"
    lspec = by_age[which]
    aged = landmark.with_age(open_, open_["open_age_days"], lspec)
    labels = _labelled(settings)
    scored = score(
        aged,
        record,
        landmark.spec_for_scoring(lspec),
        explain=True,
        labels=labels,
        skip=UNSTATED,
        wording=WORDING,
    )
    scored["variant"] = "by_age"
    scored["serving_reason"] = serves_because
    at_creation = score(open_, champion(registry, OPEN_MODEL), spec["at_open"], explain=False)
    scored["probability_at_creation"] = at_creation["probability"].to_numpy()
    parts.append(scored)

    scores = pd.concat(parts, ignore_index=True)
    meta = features[[KEY, "status", "is_closed", "won", "use_case", "lead_source"]]
    scores = meta.merge(scores, on=KEY, how="inner", validate="one_to_one")
    scores["is_training_row"] = scores["won"].notna()
    scores["scored_at"] = datetime.now(UTC).replace(tzinfo=None)
    return scores.sort_values(KEY, kind="mergesort").reset_index(drop=True)


def _horizon(registry: pd.DataFrame) -> int:
    """The horizon the serving by_age version was trained with (when no settings are given)."""
    record, _ = serving(registry, BY_AGE_MODEL)
    return int(json.loads(record["params"])["horizon_days"])


def _labelled(settings: Settings | None) -> dict[str, FeatureLabel]:
    """:data:`LABELS` with money in the sales currency."""
    currency = settings.currency if settings is not None else ""
    return {
        name: replace(label, currency=currency) if label.kind == "money" else label
        for name, label in LABELS.items()
    }


def feature_drift(
    features: pd.DataFrame, registry: pd.DataFrame, settings: MlSettings
) -> pd.DataFrame:
    """Drift of the open offers (the scoring batch) against the training data of the model that
    scores them (``at_open``; the ``at_close`` model never scores an open offer, and its
    ``duration_days`` is unknown for open offers by design, so comparing it would flag a
    "drift" on every build)."""
    batch = features[~features["is_closed"].astype(bool)]
    records = [champion(registry, OPEN_MODEL)] if len(batch) else []
    return drift.feature_drift(
        records, batch, settings.drift_ks_threshold, settings.drift_psi_threshold
    )
