"""Train-or-reuse and score-with-the-registered-version, shared by every binary model."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from revenue_ml.ml import binary
from revenue_ml.ml.portable import load
from revenue_ml.ml.registry import (
    RegistryRecord,
    decide,
    fingerprint,
    latest_versions,
    records_frame,
)
from revenue_ml.ml.search import SearchSpace, search


@dataclass
class Candidate:
    """A model to keep registered: its spec, family and quality floor (None = no gate)."""

    spec: binary.BinarySpec
    family: str
    quality_floor: float | None = None
    primary_metric: str = "auc"
    primary_evaluation: str | None = None  # default: the cross-validation
    #: Optional bounded hyper-parameter search run before training (see ml.search); the
    #: selected parameters are stored under ``params["selected_params"]``.
    search: SearchSpace | None = None
    #: Extra settings that belong to the registered model (changing them retrains it).
    extra_params: dict = field(default_factory=dict)
    #: Optional extra evaluation rows computed from (labels, out-of-fold probabilities).
    extra_evaluation: Callable[[np.ndarray, np.ndarray], list[dict]] | None = None

    @property
    def params(self) -> dict:
        # The floor is part of the parameters: changing it re-evaluates the model against it.
        params = {"family": self.family, **self.spec.params, "seed": self.spec.seed,
                  "class_weight": self.spec.class_weight, "cv_folds": self.spec.cv_folds,
                  "quality_floor": self.quality_floor}
        if self.search is not None:
            params["search"] = self.search.describe()
        return {**params, **self.extra_params}


#: Key of the registry params holding a search's outcome (not compared by the retrain policy).
SELECTED_PARAMS = "selected_params"


def _without_selection(prior: dict | None) -> dict | None:
    """The prior version as the retrain policy compares it: without the search's outcome."""
    if prior is None:
        return None
    params = json.loads(prior["params"])
    if SELECTED_PARAMS not in params:
        return prior
    params.pop(SELECTED_PARAMS)
    return {**prior, "params": json.dumps(params, sort_keys=True, default=str)}


def train_or_reuse(
    frame: pd.DataFrame,
    candidates: list[Candidate],
    existing: pd.DataFrame | None,
    policy: str,
) -> pd.DataFrame:
    """Registry rows for the candidates the policy says to (re)train; reused ones add no row."""
    latest = latest_versions(existing)
    records = []
    for cand in candidates:
        spec = cand.spec
        labelled = frame[frame[spec.target].notna()]
        fp = fingerprint(labelled, spec.features + [spec.target], key=spec.key)
        prior = latest.get(spec.name)
        train, reason = decide(policy, _without_selection(prior), fp, spec.features, cand.params)
        if not train:
            continue
        params = cand.params
        found = None
        if cand.search is not None:
            found = search(frame, spec, cand.family, cand.search)
            spec = replace(spec, params=found.best.params)
            params[SELECTED_PARAMS] = found.best.params
        trained = binary.train(frame, spec, cand.family)
        if found is not None:
            trained.evaluation += found.evaluation_rows()
            trained.metrics["search"] = found.summary()
        if cand.extra_evaluation is not None:
            trained.evaluation += cand.extra_evaluation(trained.oof_target, trained.oof)
        evaluation = cand.primary_evaluation or f"cv_{spec.cv_folds}fold"
        records.append(
            RegistryRecord(
                model_name=spec.name,
                model_version=int(prior["model_version"]) + 1 if prior else 1,
                model_family=cand.family,
                domain=spec.domain,
                variant=spec.variant,
                training_fingerprint=fp,
                training_rows=trained.training_rows,
                feature_names=spec.features,
                categorical_features=list(spec.categorical),
                params=params,
                threshold=trained.threshold,
                primary_metric=f"{evaluation}.{cand.primary_metric}",
                primary_metric_value=trained.metrics[evaluation][cand.primary_metric],
                quality_floor=cand.quality_floor,
                metrics=trained.metrics,
                evaluation=trained.evaluation,
                curves=trained.curves,
                feature_importance=trained.feature_importance,
                reference_profile=trained.reference_profile,
                model_format=trained.model_format,
                model_text=trained.model_text,
                retrain_policy=policy,
                retrain_reason=reason,
            )
        )
    return records_frame(records)


def _rarer_class_rows(features: pd.DataFrame, target: str) -> int | None:
    """Labelled rows of the rarer class of ``target``, None unless both classes are present."""
    labels = features.loc[features[target].notna(), target].astype(int)
    return int(labels.value_counts().min()) if labels.nunique() == 2 else None


def gate_floor(features: pd.DataFrame, target: str, auc_floor: float | None,
               min_positives: int) -> float | None:
    """The AUC floor to gate on, or None when the rarer class has fewer than ``min_positives``
    labelled rows: an AUC measured on a handful of positives is noise, not evidence (tiny demo
    data). The registry row then shows ``quality_floor`` null, i.e. ungated."""
    rarer = _rarer_class_rows(features, target) or 0
    return auc_floor if rarer >= min_positives else None


def cv_folds_for(features: pd.DataFrame, target: str, configured: int) -> int:
    """Folds actually used: the configured number, fewer when the rarer class is smaller
    (each fold needs one row of each class), never fewer than 2."""
    rarer = _rarer_class_rows(features, target)
    return max(2, min(configured, configured if rarer is None else rarer))


def latest_passing(registry: pd.DataFrame, model_name: str) -> dict:
    """The newest version of ``model_name`` that passed its quality gate."""
    rows = registry[(registry["model_name"] == model_name) & registry["passed_gate"].astype(bool)]
    if rows.empty:
        raise LookupError(
            f"no registered version of {model_name} passed its quality gate; run dbt build to "
            f"train one (or lower the model's floor)"
        )
    return rows.sort_values("model_version").iloc[-1].to_dict()


def spec_from_record(record: dict, base: binary.BinarySpec) -> binary.BinarySpec:
    """The spec a registered model was trained with (its own feature list wins over code)."""
    features = json.loads(record["feature_names"])
    categorical = json.loads(record["categorical_features"])
    numeric = [f for f in features if f not in categorical]
    return replace(base, numeric=numeric, categorical=categorical)


def score(frame: pd.DataFrame, record: dict, base: binary.BinarySpec,
          explain: bool = True) -> pd.DataFrame:
    """Score rows with a registered version: probability, label, threshold, top driver.

    ``explain=False`` skips the top driver (null columns): LightGBM's ``pred_contrib``
    (TreeSHAP) costs ~20x the prediction itself, which matters for large online batches.
    """
    spec = spec_from_record(record, base)
    model = load(record["model_format"], record["model_text"])
    x = binary.prepare(frame, spec)
    prob = binary.predict_proba(model, x, spec) if len(frame) else np.zeros(0)
    threshold = float(record["threshold"])
    if len(frame) and explain:
        top_feature, top_value = binary.top_contributions(model, x, spec)
    else:
        top_feature, top_value = [None] * len(frame), np.full(len(frame), np.nan)
    return pd.DataFrame(
        {
            spec.key: frame[spec.key].to_numpy(),
            "probability": prob,
            "predicted_label": (prob >= threshold).astype(int),
            "threshold": threshold,
            "top_feature": top_feature,
            "top_feature_contribution": top_value,
            "model_name": record["model_name"],
            "model_version": int(record["model_version"]),
        }
    )
