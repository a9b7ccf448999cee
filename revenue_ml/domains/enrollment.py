"""Enrollment forecast: active students per period, site, course and schedule (reference 003).

Input is ``enrollment_class_features`` (one row per class and target period, features known
at the origin h periods earlier), never per-student rows. Three base methods are backtested
(rolling origin): a LightGBM Poisson regressor (``model``), the class's size at the origin
(``naive_last``) and a year before the target period (``seasonal_naive``, which counts as
information only where the course ran a year earlier). The forecast is the ensemble of
:mod:`revenue_ml.ml.forecast` over them: for each class the method with the better record on
earlier origins among those that can forecast it, reconciled over class -> course (at a site)
-> site -> total so the classes add up to every total, with a conformal interval
(``enrollment_interval_level``) whose coverage is measured on the backtest. It ships unless
the best naive baseline had the lower backtest WAPE (then that baseline ships, and the build
warns). ``enrollment_class_size_baseline`` registers that best naive baseline, the bar the
forecaster is compared with in every version (``baseline_comparison``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import ClassVar

import numpy as np
import pandas as pd

from revenue_ml.ml import forecast as ensemble
from revenue_ml.ml import regression
from revenue_ml.ml.lifecycle import BaselineRule, champion, train_or_reuse
from revenue_ml.settings import DomainSettings

DOMAIN = "enrollment"
MODEL_NAME = "enrollment_class_size"
BASELINE_NAME = "enrollment_class_size_baseline"
KEY = ["periodo", "sede", "curso_actual", "horario_actual"]
TARGET = "active_students"
NUMERIC = [
    "students_last_period",
    "students_level_below_last_period",
    "students_last_year",
    "students_two_periods_ago",
    "students_trend",
    "withdrawn_last_period",
    "site_students_last_period",
    "course_students_last_period",
    "site_trend_ratio",
    "level_order",
    "period_month",
]
CATEGORICAL = ["sede", "curso_actual", "horario_actual"]
#: Naive baselines and the feature column holding each one's forecast.
BASELINES = {"naive_last": "students_last_period", "seasonal_naive": "students_last_year"}
#: A seasonal figure carries information only where the course ran a year earlier.
AVAILABILITY = {"seasonal_naive": "course_ran_last_year"}
#: The hierarchy above the class (the total is always reconciled): a course at a site, a site.
LEVELS = [("course", ["sede", "curso_actual"]), ("site", ["sede"])]
#: The reference's version.yml entries, recorded in the registry and on every output row.
VERSION_NAMES = (
    "raw_version",
    "platinum_version",
    "features_version",
    "target_version",
    "experiment_name",
)


@dataclass(frozen=True)
class Settings(DomainSettings):
    """The enrollment vars (``enrollment_<name>`` in dbt_project.yml): the backtest length and
    the reference's version.yml entries."""

    prefix: ClassVar[str] = "enrollment_"
    backtest_periods: int
    #: WAPE by which the forecast must beat the best naive baseline (0 = never worse).
    baseline_margin: float
    #: Nominal coverage of the forecast intervals.
    interval_level: float
    raw_version: str
    platinum_version: str
    features_version: str
    target_version: str
    experiment_name: str

    @property
    def versions(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in VERSION_NAMES}


def spec(
    backtest_periods: int = 6,
    horizon_periods: int = 1,
    seed: int = 42,
    interval_level: float = 0.8,
) -> regression.RegressionSpec:
    """The forecast model's spec (variant names the horizon, e.g. ``h1``)."""
    return regression.RegressionSpec(
        name=MODEL_NAME,
        domain=DOMAIN,
        variant=f"h{horizon_periods}",
        key=list(KEY),
        target=TARGET,
        time_column="periodo",
        origin_column="origin_periodo",
        numeric=list(NUMERIC),
        categorical=list(CATEGORICAL),
        baselines=dict(BASELINES),
        candidate_column="is_candidate",
        group_column="sede",
        availability=dict(AVAILABILITY),
        levels=[(name, list(keys)) for name, keys in LEVELS],
        interval_level=interval_level,
        backtest_periods=backtest_periods,
        seed=seed,
    )


def _history(features: pd.DataFrame) -> pd.DataFrame:
    """Rows of observed periods (the forecast period's rows have no target)."""
    return features[~features["is_forecast_row"].astype(bool)].reset_index(drop=True)


def train(
    features: pd.DataFrame, existing: pd.DataFrame | None, settings: Settings
) -> pd.DataFrame:
    """New registry rows for the forecast model (none when the policy reuses the latest)."""
    horizon = int(features["horizon_periods"].iloc[0]) if len(features) else 1
    model_spec = spec(settings.backtest_periods, horizon, interval_level=settings.interval_level)
    extra = {"horizon_periods": horizon, **settings.versions}
    rule = BaselineRule(
        BASELINE_NAME,
        f"backtest_{ensemble.ENSEMBLE}.wape",
        settings.baseline_margin,
        higher_is_better=False,
        baseline_metric="best_naive.wape",
    )
    trainers = [
        regression.RegressionTrainer(model_spec, extra_params=extra, baseline_rule=rule),
        regression.NaiveTrainer(replace(model_spec, name=BASELINE_NAME), extra_params=extra),
    ]
    return train_or_reuse(
        _history(features), trainers, existing, settings.ml.retrain_policy, settings.ml.runtime()
    )


def forecast(features: pd.DataFrame, registry: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """One forecast per class of the forecast period, with its interval, the method and the
    versions behind it.

    Every method's figure is kept (model_prediction, naive_last_prediction,
    seasonal_naive_prediction); ``predict_alumnos`` is the shipped forecast (the ensemble's
    reconciled figure, or the best naive baseline's when that won the backtest) as a
    non-negative integer, ``base_method`` the method the ensemble chose for the class, and
    ``predicted_students_low`` / ``_high`` the interval at ``interval_level``. A baseline that
    cannot forecast a row (no history that far back) falls back to the class's size at the
    origin.
    """
    versions = settings.versions
    record = champion(registry, MODEL_NAME)
    metrics = json.loads(record["metrics"])
    method = metrics.get("forecast_method", regression.MODEL_METHOD)
    stored = metrics.get("ensemble") or {}
    params = json.loads(record["params"])
    horizon = int(params.get("horizon_periods", 1))
    level = float(stored.get("interval_level", settings.interval_level))
    model_spec = spec(horizon_periods=horizon, interval_level=level)
    rows = features[features["is_forecast_row"].astype(bool)].reset_index(drop=True)
    model_pred = regression.predict(regression.load_model(record), rows, model_spec)
    naive = {m: regression.naive_forecast(rows, model_spec, m) for m in BASELINES}
    last = naive["naive_last"]
    q = float(stored.get("score_quantile", float("nan")))
    if method == ensemble.ENSEMBLE:
        wide = regression.wide_rows(
            rows.assign(**{TARGET: np.nan}),
            model_spec,
            {regression.MODEL_METHOD: model_pred, **naive},
        )
        shipped = ensemble.forecast(
            wide,
            regression.ensemble_spec(model_spec),
            stored["choices"],
            stored.get("levels", {}),
            q,
        )
        counts = shipped["ensemble"].to_numpy()
        base_method = shipped["chosen"].to_numpy()
    else:
        chosen = model_pred if method == regression.MODEL_METHOD else naive[method]
        counts = ensemble.to_counts(np.where(np.isnan(chosen), last, chosen))
        base_method = np.full(len(rows), method, dtype=object)
    low, high = (
        ensemble.interval(counts, q) if np.isfinite(q) else (np.full(len(rows), np.nan),) * 2
    )
    out = rows[KEY].copy()
    out["predict_alumnos"] = ensemble.to_counts(counts)
    out["forecast_method"] = method
    out["base_method"] = base_method
    out["predicted_students_low"] = low
    out["predicted_students_high"] = high
    out["interval_level"] = level if np.isfinite(q) else np.nan
    out["model_prediction"] = model_pred
    out["naive_last_prediction"] = naive["naive_last"]
    out["seasonal_naive_prediction"] = naive["seasonal_naive"]
    out["students_last_period"] = rows["students_last_period"].to_numpy()
    out["origin_periodo"] = rows["origin_periodo"].to_numpy()
    out["is_new_class"] = rows["students_last_period"].fillna(0).to_numpy() == 0
    out["model_name"] = record["model_name"]
    out["model_version"] = int(record["model_version"])
    for name in VERSION_NAMES:
        out[name] = versions.get(name)
        out[f"model_{name}"] = params.get(name)
    out["scored_at"] = datetime.now(UTC).replace(tzinfo=None)
    return out.sort_values(KEY, kind="mergesort").reset_index(drop=True)
