"""One model lifecycle for every model kind: train-or-reuse, register, pick the scoring version.

A *trainer* (:class:`Trainer`) describes one registered model (name, features, parameters,
quality floor) and knows how to fingerprint its training data and how to train it.
:func:`train_or_reuse` applies the retrain policy (:func:`revenue_ml.ml.registry.decide`) to
each trainer and builds the registry record of every model it trains, the same way for every
kind: binary classifiers (:class:`revenue_ml.ml.binary.BinaryTrainer`), landmark models of
open entities (:mod:`revenue_ml.ml.landmark`), count regressors and their naive baseline
(:mod:`revenue_ml.ml.regression`) and segmentations (:mod:`revenue_ml.ml.segmentation`).
Domain modules hold only domain rules: which trainers, which rows, which settings.
:func:`register` then gives each new version its alias (champion or challenger,
:mod:`revenue_ml.ml.champion`) and logs it to MLflow when a tracking URI is set
(:mod:`revenue_ml.ml.tracking`); scoring uses each model's :func:`champion`, or the version
:func:`serving` names when the model does not beat its baseline.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from revenue_ml.ml import champion as aliases
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.registry import (
    RegistryRecord,
    decide,
    json_field,
    latest_versions,
    records_frame,
    typed_registry,
)
from revenue_ml.ml.runtime import SERIAL, Runtime
from revenue_ml.settings import RegistrySettings

#: Key of the registry params holding a search's outcome (not compared by the retrain policy).
SELECTED_PARAMS = "selected_params"
#: ``evaluation`` name of the rows comparing a model version with its registered baseline.
BASELINE_EVALUATION = "baseline_comparison"


@dataclass(frozen=True)
class BaselineRule:
    """The registered baseline a model must beat: which model, on which metric, by how much.

    ``metric`` is ``<evaluation>.<metric>`` as both versions' ``metrics`` hold it (e.g.
    ``rolling_origin.auc``, ``repeated_splits.auc``, ``backtest_ensemble.wape``); ``margin`` is
    in the metric's units; ``higher_is_better`` says the direction (False for errors such as
    WAPE).
    """

    baseline: str
    metric: str
    margin: float = 0.0
    higher_is_better: bool = True
    #: The baseline's own metric when it is named differently (e.g. the model's
    #: ``backtest_ensemble.wape`` against a naive baseline's ``best_naive.wape``).
    baseline_metric: str | None = None

    def describe(self) -> dict:
        out = {
            "baseline": self.baseline,
            "metric": self.metric,
            "margin": self.margin,
            "higher_is_better": self.higher_is_better,
        }
        if self.baseline_metric:
            out["baseline_metric"] = self.baseline_metric
        return out


def _metric_value(metrics: dict, dotted: str) -> float:
    evaluation, _, metric = dotted.rpartition(".")
    value = metrics.get(evaluation, {}).get(metric)
    return float("nan") if value is None else float(value)


def baseline_comparison(
    model_metrics: dict, baseline_metrics: dict, rule: BaselineRule, baseline_version: int
) -> tuple[list[dict], dict[str, float]]:
    """Evaluation rows (evaluation ``baseline_comparison``, fold = the compared metric) and
    their summary: ``model_value``, ``baseline_value``, ``lift`` (positive = the model is
    better, in the metric's units), ``margin``, ``beats_baseline`` (1 when lift >= margin, 0
    when not, NaN when either value is missing) and ``baseline_version``."""
    model_value = _metric_value(model_metrics, rule.metric)
    baseline_value = _metric_value(baseline_metrics, rule.baseline_metric or rule.metric)
    sign = 1.0 if rule.higher_is_better else -1.0
    lift = sign * (model_value - baseline_value)
    beats = float("nan") if np.isnan(lift) else float(lift >= rule.margin - 1e-12)
    summary = {
        "model_value": model_value,
        "baseline_value": baseline_value,
        "lift": lift,
        "margin": float(rule.margin),
        "beats_baseline": beats,
        "baseline_version": float(baseline_version),
    }
    rows = [
        {"evaluation": BASELINE_EVALUATION, "fold": rule.metric, "metric": k, "value": v}
        for k, v in summary.items()
    ]
    return rows, {**summary, "metric": rule.metric, "baseline": rule.baseline}


@dataclass
class Trained:
    """What training one model produced, in the registry's terms."""

    model_family: str
    model_format: str
    model_text: str
    training_rows: int
    primary_metric: str
    primary_metric_value: float
    metrics: dict
    evaluation: list[dict]
    curves: dict = field(default_factory=dict)
    feature_importance: list[dict] = field(default_factory=list)
    reference_profile: dict = field(default_factory=dict)
    threshold: float | None = None
    #: Parameters the training itself chose (e.g. a search's winner), stored under
    #: ``params["selected_params"]`` and ignored by the retrain policy.
    selected_params: dict | None = None
    #: Out-of-sample probability of every training row
    #: (:func:`revenue_ml.ml.protocols.out_of_sample`).
    out_of_sample: dict = field(default_factory=dict)


class Trainer(ABC):
    """One registered model: identity, what the retrain policy compares, how to train.

    The identity (``name``, ``domain``, ``variant``, ``family``: the registry's
    ``model_family``), the feature lists and ``quality_floor`` (None = no gate) are what the
    registry row records; ``params`` and :meth:`fingerprint` are what the retrain policy
    compares; ``baseline_rule`` names the registered baseline the model must beat (compared
    after training, :func:`baseline_comparison`)."""

    name: str
    domain: str
    variant: str
    family: str
    quality_floor: float | None
    baseline_rule: BaselineRule | None = None

    @property
    @abstractmethod
    def feature_names(self) -> list[str]: ...

    @property
    @abstractmethod
    def categorical_features(self) -> list[str]: ...

    @property
    @abstractmethod
    def params(self) -> dict:
        """The parameters (JSON-able) that belong to the model: changing one retrains it."""

    @abstractmethod
    def fingerprint(self, frame: pd.DataFrame) -> str:
        """The training data's fingerprint (:func:`revenue_ml.ml.registry.fingerprint`)."""

    @abstractmethod
    def train(self, frame: pd.DataFrame, runtime: Runtime) -> Trained: ...

    def with_baseline_rule(self, params: dict) -> dict:
        """``params`` with the baseline rule (part of the parameters: changing it retrains)."""
        if self.baseline_rule is None:
            return params
        return {**params, "baseline_rule": self.baseline_rule.describe()}


class SpecTrainer(Trainer):
    """A trainer whose ``spec`` names the model and lists its features (binary, landmark and
    count models): the identity and the feature lists read from the spec, the family from
    ``model``, the family's class (:mod:`revenue_ml.ml.families`; a trainer without one sets
    ``family`` itself)."""

    spec: object
    model: type

    @property
    def family(self) -> str:
        return self.model.family

    def spec_params(self, **params) -> dict:
        """The family, the spec's own parameters and its seed, then ``params`` (what every
        spec-based model's parameters start with)."""
        return {"family": self.family, **self.spec.params, "seed": self.spec.seed, **params}

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def domain(self) -> str:
        return self.spec.domain

    @property
    def variant(self) -> str:
        return self.spec.variant

    @property
    def feature_names(self) -> list[str]:
        return self.spec.features

    @property
    def categorical_features(self) -> list[str]:
        return list(self.spec.categorical)


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
    trainers: list[Trainer],
    existing: pd.DataFrame | None,
    policy: str,
    runtime: Runtime = SERIAL,
) -> pd.DataFrame:
    """Registry rows for the trainers the policy says to (re)train; reused ones add no row."""
    latest = latest_versions(existing)
    records = []
    for trainer in trainers:
        log = runtime.named(trainer.name)
        prior = latest.get(trainer.name)
        fp = trainer.fingerprint(frame)
        train, reason = decide(
            policy, _without_selection(prior), fp, trainer.feature_names, trainer.params
        )
        if not train:
            log.log(f"reused version {int(prior['model_version'])} ({reason})")
            continue
        log.log(f"training ({reason}), {runtime.threads} thread(s)")
        began = time.monotonic()
        try:
            trained = trainer.train(frame, log)
        except ModelInputError as err:
            if prior is None:
                raise
            raise ModelInputError(
                f"{err} A registered version of {trainer.name} exists (version "
                f"{int(prior['model_version'])}): to score this data with it instead of "
                f"retraining, build with --vars '{{retrain_policy: never}}'."
            ) from None
        seconds = time.monotonic() - began
        params = dict(trainer.params)
        if trained.selected_params is not None:
            params[SELECTED_PARAMS] = trained.selected_params
        record = RegistryRecord(
            model_name=trainer.name,
            model_version=int(prior["model_version"]) + 1 if prior else 1,
            model_family=trained.model_family,
            domain=trainer.domain,
            variant=trainer.variant,
            training_fingerprint=fp,
            training_rows=trained.training_rows,
            feature_names=list(trainer.feature_names),
            categorical_features=list(trainer.categorical_features),
            params=params,
            threshold=trained.threshold,
            primary_metric=trained.primary_metric,
            primary_metric_value=trained.primary_metric_value,
            quality_floor=trainer.quality_floor,
            metrics=trained.metrics,
            evaluation=trained.evaluation,
            curves=trained.curves,
            feature_importance=trained.feature_importance,
            reference_profile=trained.reference_profile,
            model_format=trained.model_format,
            model_text=trained.model_text,
            out_of_sample=trained.out_of_sample,
            retrain_policy=policy,
            retrain_reason=reason,
            training_threads=runtime.threads,
            training_seconds=seconds,
        )
        gate = (
            "no gate"
            if record.quality_floor is None
            else f"gate {'passed' if record.passed_gate else 'FAILED'} "
            f"(floor {record.quality_floor:g})"
        )
        log.log(
            f"registered version {record.model_version}: {record.primary_metric} "
            f"{record.primary_metric_value:.4f}, {gate}, {seconds:.1f} s"
        )
        records.append(record)
    _compare_with_baselines(frame, trainers, records, latest, runtime)
    return records_frame(records)


def _compare_with_baselines(
    frame: pd.DataFrame,
    trainers: list[Trainer],
    records: list[RegistryRecord],
    latest: dict,
    runtime: Runtime,
) -> None:
    """Add the baseline comparison to every version trained in this build whose trainer names
    a :class:`BaselineRule`. The baseline version is the one trained in this build, else the
    latest registered one if it was trained on this very data (its fingerprint, computed by
    its own trainer on ``frame``, is unchanged): the same rows, hence the same evaluation rows.
    Otherwise no comparison is recorded, and the log says why."""
    built = {r.model_name: r for r in records}
    by_name = {t.name: t for t in trainers}
    for trainer in trainers:
        rule = trainer.baseline_rule
        record = built.get(trainer.name)
        if rule is None or record is None:
            continue
        log = runtime.named(trainer.name)
        if rule.baseline in built:
            base = built[rule.baseline]
            fp, metrics, version = base.training_fingerprint, base.metrics, base.model_version
        elif rule.baseline in latest:
            base = latest[rule.baseline]
            fp, metrics = base["training_fingerprint"], json.loads(base["metrics"])
            version = int(base["model_version"])
        else:
            log.log(f"no registered version of baseline {rule.baseline}: no comparison")
            continue
        current = (
            by_name[rule.baseline].fingerprint(frame)
            if rule.baseline in by_name
            else record.training_fingerprint
        )
        if fp != current:
            log.log(f"baseline {rule.baseline} v{version} was trained on other data: no comparison")
            continue
        rows, summary = baseline_comparison(record.metrics, metrics, rule, version)
        record.evaluation = list(record.evaluation) + rows
        record.metrics = {**record.metrics, BASELINE_EVALUATION: summary}
        verdict = "beats" if summary["beats_baseline"] == 1 else "does NOT beat"
        log.log(
            f"{rule.metric} {summary['model_value']:.4f} vs baseline {rule.baseline} "
            f"{summary['baseline_value']:.4f}: lift {summary['lift']:+.4f}, {verdict} it by the "
            f"margin {rule.margin:g}"
        )


def register(
    trained: pd.DataFrame,
    existing: pd.DataFrame | None,
    settings: RegistrySettings,
    lookups: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """This build's new registry rows (:func:`train_or_reuse`) with their alias decided against
    each model's current champion (:func:`revenue_ml.ml.champion.decide_new_versions`, margin
    var ``champion_margin``) and, when a tracking URI is configured, logged to MLflow with the
    aliases mirrored (a logging failure warns; the rows are returned all the same). Reused
    versions are not in ``trained``, so they log nothing. ``lookups``: the tables the MLflow
    models of raw-record scorers keep (:func:`revenue_ml.ml.tracking.log_new_versions`), read
    only when one is logged."""
    rows = aliases.decide_new_versions(typed_registry(trained), existing, settings.champion_margin)
    if len(rows) and settings.tracking_uri:
        from revenue_ml.ml import tracking  # imported only when MLflow is in use (~1 s)

        rows = tracking.log_new_versions(rows, existing, settings, lookups)
    return typed_registry(rows)


# --- The scoring version -------------------------------------------------------------------------


def champion(registry: pd.DataFrame, model_name: str) -> dict:
    """The version of ``model_name`` that scores: its current champion (a passing version; see
    :mod:`revenue_ml.ml.champion`)."""
    record = aliases.current_champion(registry, model_name)
    if record is None:
        raise LookupError(
            f"no registered version of {model_name} passed its quality gate; run dbt build to "
            f"train one (or lower the model's floor)"
        )
    return record


def serving(registry: pd.DataFrame, model_name: str) -> tuple[dict, str]:
    """The version that scores for ``model_name`` and why: its champion, unless that champion
    was compared with its registered baseline (evaluation ``baseline_comparison``) and does not
    beat it by the margin; then the baseline's champion scores, the simpler model that did at
    least as well on the same evaluation. A model never compared scores as its champion, and
    so does a champion a person promoted (``promoted_at``): the promotion overrides the rule."""
    record = champion(registry, model_name)
    version = int(record["model_version"])
    promoted = record.get("promoted_at")
    if promoted is not None and not pd.isna(promoted):
        # a person promoted this version: their decision stands (python -m revenue_ml.registry)
        return record, f"{model_name} v{version} was promoted by hand: it scores"
    summary = json_field(record.get("metrics")).get(BASELINE_EVALUATION) or {}
    beats = summary.get("beats_baseline")
    if beats is None or (isinstance(beats, float) and np.isnan(beats)):
        return record, f"{model_name} v{version} is the champion (no baseline comparison)"
    detail = (
        f"{summary.get('metric')} {float(summary['model_value']):.3f} vs "
        f"{float(summary['baseline_value']):.3f}, lift {float(summary['lift']):+.3f}, "
        f"margin {float(summary['margin']):g}"
    )
    if float(beats) == 1.0:
        return record, (
            f"{model_name} v{version} beats its baseline {summary.get('baseline')} ({detail})"
        )
    base = aliases.current_champion(registry, str(summary.get("baseline")))
    if base is None:
        return record, (
            f"{model_name} v{version} does not beat its baseline ({detail}), but no baseline "
            f"version passed its gate: the model scores"
        )
    return base, (
        f"{model_name} v{version} does not beat its baseline by the margin ({detail}): the "
        f"baseline {base['model_name']} v{int(base['model_version'])} scores"
    )
