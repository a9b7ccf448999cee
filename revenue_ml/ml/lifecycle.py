"""One model lifecycle for every model kind: train-or-reuse, register, pick the scoring version.

A *trainer* describes one registered model (name, features, parameters, quality floor) and
knows how to fingerprint its training data and how to train it. :func:`train_or_reuse` applies
the retrain policy (:func:`revenue_ml.ml.registry.decide`) to each trainer and builds the
registry record of every model it trains, the same way for binary classifiers
(:class:`BinaryTrainer`), count regressors (:mod:`revenue_ml.ml.regression`) and segmentations
(:mod:`revenue_ml.ml.segmentation`). Domain modules hold only domain rules: which trainers,
which rows, which settings. :func:`register` then gives each new version its alias (champion
or challenger, :mod:`revenue_ml.ml.champion`) and logs it to MLflow when a tracking URI is set
(:mod:`revenue_ml.ml.tracking`); scoring uses each model's :func:`champion`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
import pandas as pd

from revenue_ml.ml import binary, reasons
from revenue_ml.ml import champion as aliases
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.portable import load
from revenue_ml.ml.registry import (
    RegistryRecord,
    decide,
    fingerprint,
    latest_versions,
    records_frame,
    typed_registry,
)
from revenue_ml.ml.runtime import SERIAL, Runtime
from revenue_ml.ml.search import SearchSpace, search
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
    #: Out-of-sample probability of every training row (:func:`binary.out_of_sample`).
    out_of_sample: dict = field(default_factory=dict)


class Trainer(Protocol):
    """One registered model: identity, what the retrain policy compares, how to train."""

    name: str
    domain: str
    variant: str
    family: str
    quality_floor: float | None

    @property
    def feature_names(self) -> list[str]: ...

    @property
    def categorical_features(self) -> list[str]: ...

    @property
    def params(self) -> dict: ...

    def fingerprint(self, frame: pd.DataFrame) -> str: ...

    def train(self, frame: pd.DataFrame, runtime: Runtime) -> Trained: ...


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
        rule = getattr(trainer, "baseline_rule", None)
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


# --- Binary classifiers ------------------------------------------------------------------------


@dataclass
class BinaryTrainer:
    """A binary classifier to keep registered: spec, family and quality floor (None = no gate).

    ``search``: an optional bounded hyper-parameter search run before training (see
    :mod:`revenue_ml.ml.search`). ``extra_params``: settings that belong to the model (changing
    them retrains it). ``extra_evaluation`` / ``extra_curves``: extra evaluation rows / curves
    computed from (labels, out-of-fold probabilities) of the fit part. ``baseline_rule``: the
    registered baseline to beat (part of the parameters: changing it retrains).
    """

    spec: binary.BinarySpec
    family: str
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
    #: :func:`baseline_comparison`).
    baseline_rule: BaselineRule | None = None

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

    @property
    def params(self) -> dict:
        # The floor is part of the parameters: changing it re-evaluates the model against it.
        params = {
            "family": self.family,
            **self.spec.params,
            "seed": self.spec.seed,
            "class_weight": self.spec.class_weight,
            "cv_folds": self.spec.cv_folds,
            "quality_floor": self.quality_floor,
        }
        if self.search is not None:
            params["search"] = self.search.describe()
        # the optional protocols, only when used (the parameters of other models stay as they
        # were, so their registered versions keep being reused)
        spec = self.spec
        if spec.known_at_column:
            params["known_at_column"] = spec.known_at_column
        if spec.rolling_windows:
            params["rolling_windows"] = spec.rolling_windows
            params["rolling_share"] = spec.rolling_share
            params["rolling_max_train_rows"] = spec.rolling_max_train_rows
        if spec.repeated_splits:
            params["repeated_splits"] = spec.repeated_splits
        if self.baseline_rule is not None:
            params["baseline_rule"] = self.baseline_rule.describe()
        return {**params, **self.extra_params}

    def fingerprint(self, frame: pd.DataFrame) -> str:
        spec = self.spec
        labelled = frame[frame[spec.target].notna()]
        return fingerprint(labelled, spec.features + [spec.target], key=spec.key)

    def train(self, frame: pd.DataFrame, runtime: Runtime) -> Trained:
        spec, found = self.spec, None
        if self.search is not None:
            found = search(frame, spec, self.family, self.search, runtime)
            spec = replace(spec, params=found.best.params)
        trained = binary.train(frame, spec, self.family, runtime)
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


# --- Scoring -----------------------------------------------------------------------------------


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


#: The scoring version used to be "the newest passing version"; it is now the champion (the
#: same version unless a newer one was registered as challenger or an older one promoted).
latest_passing = champion


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
    summary = _parsed(record.get("metrics")).get(BASELINE_EVALUATION) or {}
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


def spec_from_record(record: dict, base: binary.BinarySpec) -> binary.BinarySpec:
    """The spec a registered model was trained with (its own feature list wins over code)."""
    features = json.loads(record["feature_names"])
    categorical = json.loads(record["categorical_features"])
    numeric = [f for f in features if f not in categorical]
    return replace(base, numeric=numeric, categorical=categorical)


def score(
    frame: pd.DataFrame,
    record: dict,
    base: binary.BinarySpec,
    explain: bool | np.ndarray | Callable[[pd.DataFrame], np.ndarray] = True,
    labels: Mapping[str, reasons.FeatureLabel] | None = None,
    out_of_sample: bool = False,
    threads: int = 1,
    skip: frozenset[str] = frozenset(),
    wording: reasons.Wording | None = None,
) -> pd.DataFrame:
    """Score rows with a registered version: probability, label, threshold, top driver and
    the reasons in business words (:mod:`revenue_ml.ml.reasons`, worded by ``labels``; the
    features in ``skip`` are left out of the reasons; ``wording``: the factors pushing each
    way, see :func:`revenue_ml.ml.reasons.row_reasons`).

    ``explain``: True (every row), False (none), a boolean mask of the rows to explain, or a
    function of the scores (probability, predicted_label, in ``frame``'s row order) returning
    that mask, e.g. "the customers predicted to churn".
    ``out_of_sample``: a row the version was trained on gets its out-of-sample probability
    (out-of-fold or held-out, stored at training) instead of the final model's in-sample one;
    ``score_source`` says which (:data:`MODEL_SCORE` for rows the model never saw).
    The top driver comes from per-row contributions (LightGBM's ``pred_contrib``, TreeSHAP),
    which cost far more than the probability (~800 vs ~60,000 rows/s on one core for the tuned
    churn model), so the scoring marts explain only the rows someone acts on; the other rows
    get a null driver. ``threads``: the prediction's threads (:func:`binary.predict_proba`;
    the probabilities do not depend on it).
    """
    spec = spec_from_record(record, base)
    model = load(record["model_format"], record["model_text"])
    x = binary.prepare(frame, spec)
    prob = binary.predict_proba(model, x, spec, threads) if len(frame) else np.zeros(0)
    source = np.full(len(frame), MODEL_SCORE, dtype=object)
    if out_of_sample:
        prob, source = _out_of_sample(frame[spec.key], prob, record)
    threshold = float(record["threshold"])
    label = (prob >= threshold).astype(int)
    if callable(explain):
        explain = explain(pd.DataFrame({"probability": prob, "predicted_label": label}))
    mask = (
        np.full(len(frame), bool(explain))
        if isinstance(explain, bool)
        else np.asarray(explain, dtype=bool)
    )
    top_feature = np.full(len(frame), None, dtype=object)
    top_value = np.full(len(frame), np.nan)
    reason_text = np.full(len(frame), None, dtype=object)
    if mask.any():
        names, contrib = binary.contributions(model, x[mask], spec, threads)
        strongest = np.abs(contrib).argmax(axis=1)
        top_feature[mask] = [names[i] for i in strongest]
        top_value[mask] = contrib[np.arange(len(strongest)), strongest]
        reason_text[mask] = reasons.row_reasons(
            names,
            contrib,
            frame.iloc[np.flatnonzero(mask)],
            labels or {},
            reasons.averages(_profile(record)),
            categorical=frozenset(spec.categorical),
            skip=skip,
            wording=wording,
        )
    return pd.DataFrame(
        {
            spec.key: frame[spec.key].to_numpy(),
            "probability": prob,
            "predicted_label": label,
            "threshold": threshold,
            "top_feature": top_feature,
            "top_feature_contribution": top_value,
            "reasons": reason_text,
            "score_source": source,
            "model_name": record["model_name"],
            "model_version": int(record["model_version"]),
        }
    )


#: ``score_source`` of a row scored by the registered model itself (it never saw the row).
MODEL_SCORE = "model"


def _out_of_sample(
    keys: pd.Series, prob: np.ndarray, record: dict
) -> tuple[np.ndarray, np.ndarray]:
    """``prob`` with each training row's stored out-of-sample probability, and the source of
    every row's probability (the evaluation name, or :data:`MODEL_SCORE`)."""
    stored = _parsed(record.get("out_of_sample"))
    source = np.full(len(prob), MODEL_SCORE, dtype=object)
    if not stored or not stored.get("key"):
        return prob, source
    lookup = pd.DataFrame(
        {"probability": stored["probability"], "evaluation": stored["evaluation"]},
        index=pd.Index(stored["key"], dtype=object),
    )
    found = lookup.reindex(keys.astype(str).to_numpy())
    known = found["probability"].notna().to_numpy()
    prob = np.where(known, found["probability"].to_numpy(dtype=float), prob)
    source[known] = found["evaluation"].to_numpy()[known]
    return prob, source


def _parsed(value: object) -> dict:
    if isinstance(value, str) and value:
        return json.loads(value)
    return value if isinstance(value, dict) else {}


def _profile(record: dict) -> dict:
    """The registered version's ``reference_profile`` (training data summary), parsed."""
    return _parsed(record.get("reference_profile"))
