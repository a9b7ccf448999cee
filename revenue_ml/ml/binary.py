"""Binary classifiers: trained, evaluated and registered the same way for every domain and
every model family (:mod:`revenue_ml.ml.families`: LightGBM, logistic regression, random
forest, their log-odds blend).

Input is one row per entity (a mart), never raw rows. Rows are put in key order before any
split, so the same data in any file order gives the same folds, model and threshold.

Evaluation protocol (one for every model):

1. A holdout is set aside first: the newest ``holdout_share`` of the rows when the spec names
   a ``time_column`` (``time_holdout``), else a stratified ``test_share`` split when the spec
   asks for one (``test_split``), else none.
2. Stratified k-fold cross-validation on the remaining rows (the *fit part*): its out-of-fold
   probabilities give the CV metrics and the F1-optimal decision threshold. The holdout rows
   never influence the threshold, so the holdout figures are unbiased.
3. A model fitted on the fit part is scored on the holdout at that threshold.
4. The final model is refit on all labelled rows with the same parameters and seed.

Two further protocols, when a spec asks for them (each reported as its own evaluation):

- ``rolling_origin`` (``rolling_windows`` > 0 and a ``time_column``): the newest
  ``rolling_share`` of the labelled rows, in time order, is cut into ``rolling_windows``
  windows of equal row count; for each window a model is fitted on the rows whose label was
  known before the window starts (``known_at_column``, else the time column) and scores the
  window. The pooled out-of-time scores give the time-ordered metrics, reliability curve and
  expected calibration error; each window's AUC is a fold row (fold = the window's origin).
- ``repeated_splits`` (> 0): that many stratified ``test_share`` (default 20%) splits of all
  labelled rows with seeds ``seed``, ``seed + 1``, ...; fold ``split_NN`` rows hold each split's
  AUC and Brier score, fold ``all`` their mean (``auc``) and spread (``auc_sd``, min, max).

With a ``known_at_column`` the time holdout's model, too, is fitted only on the rows whose
label was known before the holdout starts (a label that arrived later was not available then).

The protocols themselves are in :mod:`revenue_ml.ml.protocols`. Every fit is single-threaded
and seeded; independent fits (folds) may run in parallel
(:class:`revenue_ml.ml.runtime.Runtime`), which never changes a result.
:class:`BinaryTrainer` is a binary classifier as the lifecycle registers it
(:mod:`revenue_ml.ml.lifecycle`); :func:`revenue_ml.ml.scoring.score` scores with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from revenue_ml.ml import evaluation as ev
from revenue_ml.ml import protocols
from revenue_ml.ml.drift import reference_profile
from revenue_ml.ml.families import BinaryModel, prepare_features
from revenue_ml.ml.families.lightgbm import DEFAULT_PARAMS
from revenue_ml.ml.lifecycle import BaselineRule, SpecTrainer, Trained
from revenue_ml.ml.registry import fingerprint
from revenue_ml.ml.runtime import SERIAL, Runtime
from revenue_ml.ml.search import SearchSpace, search


@dataclass
class BinarySpec:
    """What to train: features, target and evaluation protocol of one model."""

    name: str
    domain: str
    variant: str
    key: str
    target: str
    numeric: list[str]
    categorical: list[str] = field(default_factory=list)
    forbidden: frozenset[str] = frozenset()
    time_column: str | None = None
    holdout_share: float = 0.2
    test_share: float | None = None
    cv_folds: int = 10
    seed: int = 42
    min_rows: int = 50
    params: dict = field(default_factory=lambda: dict(DEFAULT_PARAMS))
    class_weight: str | None = None
    #: Column holding when each row's label became known (e.g. an offer's close date): rows
    #: whose label was known only after a window's origin never train that window's model.
    known_at_column: str | None = None
    #: Rolling-origin evaluation: number of windows (0 = none) and share of the newest rows
    #: they cover.
    rolling_windows: int = 0
    rolling_share: float = 0.5
    #: A window's model learns from at most this many of the most recent labels known before
    #: its origin (None = all): bounds the rolling origin's cost on large data.
    rolling_max_train_rows: int | None = None
    #: Repeated stratified splits evaluation: number of splits (0 = none).
    repeated_splits: int = 0

    @property
    def features(self) -> list[str]:
        return list(self.numeric) + list(self.categorical)

    @property
    def cv_name(self) -> str:
        return f"cv_{self.cv_folds}fold"


def prepare(frame: pd.DataFrame, spec: BinarySpec) -> pd.DataFrame:
    """The spec's features as the model families want them
    (:func:`revenue_ml.ml.families.prepare_features`)."""
    return prepare_features(frame, spec.numeric, spec.categorical)


@dataclass
class TrainedBinary:
    """A fitted model with everything the registry stores about it."""

    family: str
    model: BinaryModel
    model_format: str
    model_text: str
    threshold: float
    metrics: dict[str, dict[str, float]]
    evaluation: list[dict]
    curves: dict
    feature_importance: list[dict]
    reference_profile: dict
    training_rows: int
    #: The parameters the final model was fitted with (seeded, threaded as fitted).
    params: dict
    #: Out-of-fold probabilities of the fit part's rows and their labels (cross-validation).
    oof: np.ndarray | None = None
    oof_target: np.ndarray | None = None
    #: Keys of those rows, in the same order.
    oof_keys: np.ndarray | None = None
    #: Name of the cross-validation evaluation (``cv_<folds>fold``, folds actually used).
    cv_name: str = ""
    #: Every labelled row's out-of-sample probability (:func:`protocols.out_of_sample`).
    out_of_sample: dict | None = None


def train(
    frame: pd.DataFrame, spec: BinarySpec, model: type[BinaryModel], runtime: Runtime = SERIAL
) -> TrainedBinary:
    """Validate, evaluate (holdout set aside, CV on the rest, and the optional rolling-origin
    and repeated-splits protocols) and fit the final ``model`` (a family's class) on all
    labelled rows; see the module docstring for the protocol."""
    labelled = protocols.validate(frame, spec)
    x = prepare(labelled, spec)
    y = labelled[spec.target].astype(int).to_numpy()
    split = protocols.holdout(labelled, spec)
    fit_idx = split.fit_idx if split is not None else np.arange(len(y))

    x_fit, y_fit = x.iloc[fit_idx].reset_index(drop=True), y[fit_idx]
    # every fold needs a row of each class: fewer folds when the fit part's rarer class is small
    folds = max(2, min(spec.cv_folds, int(np.bincount(y_fit, minlength=2).min())))
    spec = replace(spec, cv_folds=folds)
    oof, evaluation = protocols.cross_validate(x_fit, y_fit, spec, model, spec.cv_folds, runtime)
    threshold = ev.best_f1_threshold(y_fit, oof)
    cv_name = spec.cv_name
    metrics = {cv_name: ev.binary_metrics(y_fit, oof, threshold)}
    evaluation += ev.metric_rows(cv_name, "all", metrics[cv_name])
    curves = {
        cv_name: {"roc": ev.roc_points(y_fit, oof), "calibration": ev.calibration_bins(y_fit, oof)}
    }

    keys = labelled[spec.key].to_numpy()
    sample = {"key": keys[fit_idx], "probability": oof, "evaluation": cv_name}
    if split is not None:
        train_idx = protocols.holdout_training_rows(labelled, spec, split)
        fitted = model.fit(x.iloc[train_idx], y[train_idx], spec)
        prob = fitted.predict_proba(x.iloc[split.test_idx], spec)
        sample = protocols.out_of_sample(
            [sample, {"key": keys[split.test_idx], "probability": prob, "evaluation": split.name}]
        )
        y_test = y[split.test_idx]
        metrics[split.name] = ev.binary_metrics(y_test, prob, threshold)
        evaluation += ev.metric_rows(split.name, "all", metrics[split.name])
        curves[split.name] = {
            "roc": ev.roc_points(y_test, prob),
            "calibration": ev.calibration_bins(y_test, prob),
        }
        runtime.log(
            f"{model.family} {split.name}: auc {metrics[split.name]['auc']:.4f}, "
            f"f1 {metrics[split.name]['f1']:.4f} at threshold {threshold:.4f}"
        )

    if spec.rolling_windows and spec.time_column:
        rolled = protocols.rolling_origin(labelled, x, y, spec, model, threshold, runtime)
        evaluation += rolled.rows
        if rolled.metrics:
            metrics[protocols.ROLLING_EVALUATION] = rolled.metrics
            curves[protocols.ROLLING_EVALUATION] = rolled.curves

    if spec.repeated_splits:
        rows, summary = protocols.repeated_splits(x, y, spec, model, runtime)
        evaluation += rows
        metrics[protocols.REPEATED_EVALUATION] = summary

    final = model.fit(x, y, spec)
    return TrainedBinary(
        family=model.family,
        model=final,
        model_format=final.model_format,
        model_text=final.to_text(),
        threshold=threshold,
        metrics=metrics,
        evaluation=evaluation,
        curves=curves,
        feature_importance=final.importance(x, spec),
        reference_profile=reference_profile(labelled, spec.numeric, spec.categorical, spec.seed),
        training_rows=len(labelled),
        params=model.trained_params(spec, y),
        oof=oof,
        oof_target=y_fit,
        oof_keys=labelled[spec.key].to_numpy()[fit_idx],
        cv_name=cv_name,
        out_of_sample=sample if split is not None else protocols.out_of_sample([sample]),
    )


# --- The binary classifier as a registered model ---------------------------------------------


@dataclass
class BinaryTrainer(SpecTrainer):
    """A binary classifier to keep registered: spec, model family and quality floor (None = no
    gate).

    ``model``: the family's class (:mod:`revenue_ml.ml.families`). ``search``: an optional
    bounded hyper-parameter search run before training (see :mod:`revenue_ml.ml.search`).
    ``extra_params``: settings that belong to the model (changing them retrains it).
    ``extra_evaluation`` / ``extra_curves``: extra evaluation rows / curves computed from
    (labels, out-of-fold probabilities) of the fit part. ``baseline_rule``: the registered
    baseline to beat (part of the parameters: changing it retrains).
    """

    spec: BinarySpec
    model: type[BinaryModel]
    quality_floor: float | None = None
    primary_metric: str = "auc"
    primary_evaluation: str | None = None  # default: the cross-validation
    search: SearchSpace | None = None
    extra_params: dict = field(default_factory=dict)
    extra_evaluation: Callable[[np.ndarray, np.ndarray], list[dict]] | None = None
    #: Extra curves from the same (labels, out-of-fold probabilities), stored under the
    #: cross-validation's curves (e.g. campaign's expected profit per threshold).
    extra_curves: Callable[[np.ndarray, np.ndarray], dict] | None = None
    #: The registered baseline this model must beat (compared after training, see
    #: :func:`revenue_ml.ml.lifecycle.baseline_comparison`).
    baseline_rule: BaselineRule | None = None

    @property
    def params(self) -> dict:
        # The floor is part of the parameters: changing it re-evaluates the model against it.
        spec = self.spec
        params = self.spec_params(
            class_weight=spec.class_weight,
            cv_folds=spec.cv_folds,
            quality_floor=self.quality_floor,
        )
        if self.search is not None:
            params["search"] = self.search.describe()
        # the optional protocols, only when used (the parameters of other models stay as they
        # were, so their registered versions keep being reused)
        if spec.known_at_column:
            params["known_at_column"] = spec.known_at_column
        if spec.rolling_windows:
            params["rolling_windows"] = spec.rolling_windows
            params["rolling_share"] = spec.rolling_share
            params["rolling_max_train_rows"] = spec.rolling_max_train_rows
        if spec.repeated_splits:
            params["repeated_splits"] = spec.repeated_splits
        return {**self.with_baseline_rule(params), **self.extra_params}

    def fingerprint(self, frame: pd.DataFrame) -> str:
        spec = self.spec
        labelled = frame[frame[spec.target].notna()]
        return fingerprint(labelled, spec.features + [spec.target], key=spec.key)

    def train(self, frame: pd.DataFrame, runtime: Runtime) -> Trained:
        spec, found = self.spec, None
        if self.search is not None:
            found = search(frame, spec, self.model, self.search, runtime)
            spec = replace(spec, params=found.best.params)
        trained = train(frame, spec, self.model, runtime)
        evaluation = list(trained.evaluation)
        metrics = dict(trained.metrics)
        if found is not None:
            evaluation += found.evaluation_rows()
            metrics["search"] = found.summary()
        if self.extra_evaluation is not None:
            evaluation += self.extra_evaluation(trained.oof_target, trained.oof)
        curves = dict(trained.curves)
        if self.extra_curves is not None:
            cv_curves = dict(curves.get(trained.cv_name, {}))
            cv_curves.update(self.extra_curves(trained.oof_target, trained.oof))
            curves[trained.cv_name] = cv_curves
        primary = self.primary_evaluation or trained.cv_name
        return Trained(
            model_family=self.family,
            model_format=trained.model_format,
            model_text=trained.model_text,
            training_rows=trained.training_rows,
            primary_metric=f"{primary}.{self.primary_metric}",
            primary_metric_value=trained.metrics[primary][self.primary_metric],
            metrics=metrics,
            evaluation=evaluation,
            curves=curves,
            feature_importance=trained.feature_importance,
            reference_profile=trained.reference_profile,
            threshold=trained.threshold,
            selected_params=found.best.params if found is not None else None,
            out_of_sample=trained.out_of_sample or {},
        )


def _rarer_class_rows(features: pd.DataFrame, target: str) -> int | None:
    """Labelled rows of the rarer class of ``target``, None unless both classes are present."""
    labels = features.loc[features[target].notna(), target].astype(int)
    return int(labels.value_counts().min()) if labels.nunique() == 2 else None


def gate_floor(
    features: pd.DataFrame, target: str, auc_floor: float | None, min_positives: int
) -> float | None:
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
