"""Count regression for forecasts: a LightGBM regressor with a count objective, naive baselines,
rolling-origin backtests, error metrics and the registry lifecycle (the regression counterpart
of the binary models, through the same :mod:`revenue_ml.ml.lifecycle`).

Input is one row per forecast unit and period (e.g. one class in one period), with a time
column (an int period such as YYYYMM), the period each row's features were known at (the
origin), numeric and categorical features and a count target (null for the periods to
forecast). Predictions are non-negative; shipped forecasts are rounded to integers and every
metric is computed on the rounded figures, i.e. on what is actually shipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

from revenue_ml.ml import forecast
from revenue_ml.ml.drift import reference_profile
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.families import load, prepare_features
from revenue_ml.ml.families.lightgbm import (
    LIGHTGBM_TEXT,
    LightGBM,
    booster_params,
    mean_abs_shap,
    train_booster,
)
from revenue_ml.ml.lifecycle import BaselineRule, SpecTrainer, Trained
from revenue_ml.ml.registry import fingerprint
from revenue_ml.ml.runtime import SERIAL, Runtime

LIGHTGBM = LightGBM.family
#: Name of the model's own method in backtests and forecasts (baselines use their own names).
MODEL_METHOD = "model"

DEFAULT_PARAMS = {
    "objective": "poisson",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 10,
    "feature_fraction": 0.9,
    "lambda_l2": 1.0,
    "num_boost_round": 300,
}


@dataclass
class RegressionSpec:
    """What to train and how to backtest one count model.

    ``baselines`` maps a naive method name to the feature column holding its forecast (e.g.
    ``{"naive_last": "students_last_period"}``); a null value means the method cannot forecast
    that row. ``candidate_column`` (optional) names a boolean column: rows where it is false are
    units no method could foresee at the origin; they are forecast 0 by every method.
    """

    name: str
    domain: str
    variant: str
    key: list[str]
    target: str
    time_column: str
    origin_column: str
    numeric: list[str]
    categorical: list[str] = field(default_factory=list)
    baselines: dict[str, str] = field(default_factory=dict)
    candidate_column: str | None = None
    group_column: str | None = None  # metrics are also broken down by this column (e.g. site)
    #: Per baseline, a boolean column saying whether its figure carries information for the
    #: row (e.g. a seasonal naive only where the course ran a year earlier); the ensemble
    #: chooses among available methods only (null = not available).
    availability: dict[str, str] = field(default_factory=dict)
    #: Aggregate levels of the hierarchy above the unit, e.g. ``[("site", ["sede"])]``; the
    #: total is always reconciled too.
    levels: list[tuple[str, list[str]]] = field(default_factory=list)
    interval_level: float = 0.8
    backtest_periods: int = 6
    min_rows: int = 30
    seed: int = 42
    params: dict = field(default_factory=lambda: dict(DEFAULT_PARAMS))

    @property
    def features(self) -> list[str]:
        return list(self.numeric) + list(self.categorical)


# --- model ---------------------------------------------------------------------------------


def prepare(frame: pd.DataFrame, spec: RegressionSpec) -> pd.DataFrame:
    """The spec's features as LightGBM wants them
    (:func:`revenue_ml.ml.families.prepare_features`)."""
    return prepare_features(frame, spec.numeric, spec.categorical)


def fit(frame: pd.DataFrame, spec: RegressionSpec) -> lgb.Booster:
    """Fit the regressor on labelled rows (target not null)."""
    # non-candidate rows are never forecast (0 by every method), so they are not learnt from
    labelled = frame[frame[spec.target].notna() & _candidates(frame, spec)]
    if len(labelled) < spec.min_rows:
        raise ModelInputError(
            f"model {spec.name}: only {len(labelled)} labelled rows (at least {spec.min_rows} "
            f"needed). Fix: supply more history or lower the model's min_rows."
        )
    y = labelled[spec.target].astype(float).to_numpy()
    if (y < 0).any():
        raise ModelInputError(f"model {spec.name}: the count target '{spec.target}' is negative.")
    params, rounds = booster_params(spec.params, spec.seed, 300)
    return train_booster(prepare(labelled, spec), y, params, rounds, spec.categorical)


def predict(model: lgb.Booster, frame: pd.DataFrame, spec: RegressionSpec) -> np.ndarray:
    """Expected counts, shape (n_rows,), clipped at 0; non-candidate rows are 0."""
    if len(frame) == 0:
        return np.zeros(0)
    raw = model.predict(prepare(frame, spec), num_threads=1)
    pred = np.clip(np.asarray(raw, dtype=float), 0.0, None)
    return np.where(_candidates(frame, spec), pred, 0.0)


def naive_forecast(frame: pd.DataFrame, spec: RegressionSpec, method: str) -> np.ndarray:
    """A baseline's forecast per row (NaN where it cannot forecast; 0 for non-candidates)."""
    values = pd.to_numeric(frame[spec.baselines[method]], errors="coerce").astype(float)
    return np.where(_candidates(frame, spec), values.to_numpy(), 0.0)


def _candidates(frame: pd.DataFrame, spec: RegressionSpec) -> np.ndarray:
    if spec.candidate_column is None:
        return np.ones(len(frame), dtype=bool)
    return frame[spec.candidate_column].fillna(False).astype(bool).to_numpy()


# --- metrics -------------------------------------------------------------------------------


def error_metrics(actual: np.ndarray, forecast: np.ndarray) -> dict[str, float]:
    """MAE (units per row), WAPE (sum |error| / sum actual) and bias (mean forecast - actual,
    units per row; positive = over-forecast), plus the totals behind them."""
    actual = np.asarray(actual, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    err = forecast - actual
    total = float(actual.sum())
    n = len(actual)
    return {
        "mae": float(np.abs(err).mean()) if n else float("nan"),
        "wape": float(np.abs(err).sum() / total) if total > 0 else float("nan"),
        "bias": float(err.mean()) if n else float("nan"),
        "actual_total": total,
        "forecast_total": float(forecast.sum()),
        "rows": float(n),
    }


def metric_rows(predictions: pd.DataFrame, spec: RegressionSpec) -> list[dict]:
    """Registry evaluation rows {evaluation, fold, metric, value} from backtest predictions.

    ``predictions`` has columns method, the time column, the group column (optional), actual
    and forecast. Evaluation = ``backtest`` for the model, ``backtest_<method>`` for a
    baseline; fold = ``overall``, ``<period>``, ``all|<group>`` or ``<period>|<group>``.
    """
    rows: list[dict] = []
    t = spec.time_column
    for method, by_method in predictions.groupby("method", sort=True):
        evaluation = "backtest" if method == MODEL_METHOD else f"backtest_{method}"
        scopes: list[tuple[str, pd.DataFrame]] = [("overall", by_method)]
        scopes += [(str(int(p)), g) for p, g in by_method.groupby(t, sort=True)]
        if spec.group_column:
            g_col = spec.group_column
            scopes += [(f"all|{s}", g) for s, g in by_method.groupby(g_col, sort=True)]
            scopes += [
                (f"{int(p)}|{s}", g) for (p, s), g in by_method.groupby([t, g_col], sort=True)
            ]
        for fold, part in scopes:
            for metric, value in error_metrics(part["actual"], part["forecast"]).items():
                rows.append(
                    {"evaluation": evaluation, "fold": fold, "metric": metric, "value": value}
                )
    return rows


# --- backtest ------------------------------------------------------------------------------


@dataclass
class Backtest:
    """Rolling-origin backtest results.

    ``predictions``: one row per method, test period and unit (actual and rounded forecast).
    ``periods``: the test periods evaluated; ``skipped``: periods not evaluated, with why.
    ``summary``: per method the overall metrics (methods unavailable in some test period are
    not summarised). ``best_naive``: the baseline with the lowest overall WAPE, or None.
    ``wide``: one row per period (tested or skipped) and unit with every method's raw
    forecast, availability and node contribution, the actual and ``is_candidate``: the input
    of :func:`revenue_ml.ml.forecast.run` (skipped periods have the baselines only).
    """

    predictions: pd.DataFrame
    periods: list[int]
    skipped: dict[int, str]
    summary: dict[str, dict[str, float]]
    best_naive: str | None
    wide: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def model_wape(self) -> float | None:
        return self.summary.get(MODEL_METHOD, {}).get("wape")

    @property
    def best_naive_wape(self) -> float | None:
        return self.summary[self.best_naive]["wape"] if self.best_naive else None


def methods(spec: RegressionSpec) -> list[str]:
    """Every method in priority order: the model, then the baselines in spec order."""
    return [MODEL_METHOD, *spec.baselines]


def availability(frame: pd.DataFrame, spec: RegressionSpec, method: str) -> np.ndarray:
    """Whether ``method``'s figure carries information for each row (see
    :attr:`RegressionSpec.availability`); the model is available wherever it was fitted."""
    column = spec.availability.get(method)
    if column is None:
        return np.ones(len(frame), dtype=bool)
    if column not in frame.columns:
        raise ModelInputError(
            f"model {spec.name}: the features lack column '{column}', which says where "
            f"{method} carries information. Fix: rebuild the features model."
        )
    return frame[column].astype("boolean").fillna(False).to_numpy(dtype=bool)


def wide_rows(
    test: pd.DataFrame, spec: RegressionSpec, forecasts: dict[str, np.ndarray]
) -> pd.DataFrame:
    """Rows of one period in the layout :func:`revenue_ml.ml.forecast.run` reads: the unit key,
    ``actual``, ``is_candidate`` and, per method, ``raw_<m>`` (NaN = no forecast), ``a_<m>``
    (available) and, for baselines, ``node_<m>`` (the row's contribution to a node total)."""
    part = test[list(spec.key)].copy()
    part["actual"] = test[spec.target].astype(float).to_numpy()
    part["is_candidate"] = _candidates(test, spec)
    for method in methods(spec):
        values = forecasts.get(method)
        if values is None:
            part[f"raw_{method}"] = np.nan
            part[f"a_{method}"] = False
            continue
        part[f"raw_{method}"] = values
        part[f"a_{method}"] = ~np.isnan(values) & availability(test, spec, method)
        if method != MODEL_METHOD:
            part[f"node_{method}"] = pd.to_numeric(
                test[spec.baselines[method]], errors="coerce"
            ).to_numpy(dtype=float)
    return part


def backtest(
    frame: pd.DataFrame, spec: RegressionSpec, runtime: Runtime = SERIAL, fit_model: bool = True
) -> Backtest:
    """Rolling-origin backtest over the last ``spec.backtest_periods`` labelled periods.

    For each test period the model is refit on the labelled rows whose target period is no
    later than the test rows' origin (what was known when the forecast would have been made),
    so nothing after the origin leaks. Periods without enough training rows are skipped (the
    baselines' figures for them still go to ``wide``, as history for the ensemble); a
    baseline is scored only in periods where it can forecast every candidate row.
    ``fit_model=False`` evaluates the baselines over the same periods without fitting.
    """
    t, o = spec.time_column, spec.origin_column
    labelled = frame[frame[spec.target].notna()]
    periods = sorted(int(p) for p in labelled[t].unique())
    tested: list[int] = []
    skipped: dict[int, str] = {}
    parts, wide = [], []
    for period in periods[-spec.backtest_periods :] if spec.backtest_periods > 0 else []:
        test = labelled[labelled[t] == period]
        origin = int(test[o].max())
        train = labelled[labelled[t] <= origin]
        n_train = int(_candidates(train, spec).sum())
        naive = {m: naive_forecast(test, spec, m) for m in spec.baselines}
        if n_train < spec.min_rows:
            skipped[period] = f"{n_train} training rows up to origin {origin} (< {spec.min_rows})"
            wide.append(wide_rows(test, spec, naive).assign(**{t: period}))
            continue
        tested.append(period)
        forecasts = {}
        if fit_model:
            model = fit(train, spec)
            runtime.log(f"backtest period {period} (origin {origin}): {n_train} training rows")
            forecasts[MODEL_METHOD] = predict(model, test, spec)
        wide.append(wide_rows(test, spec, {**forecasts, **naive}).assign(**{t: period}))
        for method, values in naive.items():
            if not np.isnan(values).any():
                forecasts[method] = values
        for method, values in forecasts.items():
            part = pd.DataFrame(
                {
                    "method": method,
                    t: period,
                    "actual": test[spec.target].astype(float).to_numpy(),
                    "forecast": forecast.to_counts(values),
                }
            )
            for col in spec.key:
                part[col] = test[col].to_numpy()
            parts.append(part)
    columns = ["method", t, *[c for c in spec.key if c != t], "actual", "forecast"]
    predictions = (
        pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    )
    summary: dict[str, dict[str, float]] = {}
    for method, part in predictions.groupby("method", sort=True):
        if set(part[t].unique()) == set(tested):  # comparable only over the same periods
            summary[str(method)] = error_metrics(part["actual"], part["forecast"])
    naive = {
        m: s["wape"] for m, s in summary.items() if m != MODEL_METHOD and not np.isnan(s["wape"])
    }
    best = min(sorted(naive), key=lambda m: naive[m]) if naive else None
    wide_frame = pd.concat(wide, ignore_index=True) if wide else pd.DataFrame()
    return Backtest(predictions, tested, skipped, summary, best, wide_frame)


def choose_method(
    model_wape: float | None,
    best_naive: str | None,
    best_naive_wape: float | None,
    method: str = MODEL_METHOD,
) -> str:
    """The forecast method: ``method`` (the model, or the ensemble) unless the best baseline's
    backtest WAPE is lower (a method without a backtest, or with no baseline to compare, is
    used as is)."""
    if best_naive is None or best_naive_wape is None or model_wape is None:
        return method
    if np.isnan(model_wape) or np.isnan(best_naive_wape):
        return method
    return method if model_wape <= best_naive_wape else best_naive


# --- registry lifecycle --------------------------------------------------------------------


def feature_importance(
    model: lgb.Booster, x: pd.DataFrame, sample: int = 2000, seed: int = 0
) -> list[dict]:
    """Per feature: LightGBM gain and mean |contribution| (log of the expected count), the
    latter over a seeded sample of at most ``sample`` rows of ``x``."""
    if len(x) > sample:
        x = x.sample(n=sample, random_state=seed)
    contrib = mean_abs_shap(model, x)
    rows = [
        {"feature": n, "gain": float(g), "mean_abs_contribution": float(c)}
        for n, g, c in zip(
            model.feature_name(), model.feature_importance("gain"), contrib, strict=True
        )
    ]
    return sorted(rows, key=lambda r: -r["mean_abs_contribution"])


def training_fingerprint(frame: pd.DataFrame, spec: RegressionSpec) -> str:
    """Fingerprint of the labelled rows (features, target, time), independent of row order."""
    labelled = frame[frame[spec.target].notna()]
    keyed = labelled.assign(_row_key=labelled[spec.key].astype(str).agg("|".join, axis=1))
    return fingerprint(
        keyed, spec.features + [spec.target, spec.time_column, spec.origin_column], key="_row_key"
    )


def ensemble_spec(spec: RegressionSpec) -> forecast.EnsembleSpec:
    """The forecaster over the spec's methods: levels total, then the spec's levels."""
    levels = [forecast.Level("total", ())]
    levels += [forecast.Level(name, tuple(keys)) for name, keys in spec.levels]
    unit = [c for c in spec.key if c != spec.time_column]
    return forecast.EnsembleSpec(
        methods=methods(spec),
        unit=unit,
        time_column=spec.time_column,
        levels=levels,
        interval_level=spec.interval_level,
    )


def _interval_rows(run: forecast.EnsembleRun, spec: RegressionSpec, periods: list[int]) -> list:
    """Evaluation rows of the ensemble's intervals (evaluation ``backtest_ensemble``): per
    tested period and overall, the share of candidate rows whose actual fell inside the
    interval (``interval_coverage``), the rows it was measured on, the mean width and the
    nominal level. Periods without an interval (too few earlier residuals) are left out."""
    t = spec.time_column
    frame = run.frame[
        run.frame[t].isin(periods)
        & run.frame["is_candidate"].astype(bool)
        & run.frame["low"].notna()
    ]
    name = f"backtest_{forecast.ENSEMBLE}"
    rows = []
    scopes = [("overall", frame)] + [(str(int(p)), g) for p, g in frame.groupby(t, sort=True)]
    for fold, part in scopes:
        if part.empty:
            continue
        actual = part["actual"].to_numpy(dtype=float)
        inside = (actual >= part["low"].to_numpy()) & (actual <= part["high"].to_numpy())
        values = {
            "interval_level": spec.interval_level,
            "interval_coverage": float(inside.mean()),
            "interval_rows": float(len(part)),
            "interval_mean_width": float((part["high"] - part["low"]).mean()),
        }
        rows += [
            {"evaluation": name, "fold": fold, "metric": k, "value": v} for k, v in values.items()
        ]
    return rows


def _naive_quantile(wide: pd.DataFrame, method: str, level: float) -> float:
    """Conformity quantile of a baseline's own backtest residuals (candidate rows where it is
    available): the interval of a forecast that fell back to that baseline."""
    rows = wide[wide["is_candidate"].astype(bool) & wide[f"a_{method}"].astype(bool)]
    shipped = forecast.to_counts(rows[f"raw_{method}"].to_numpy(dtype=float))
    return forecast.score_quantile(forecast.conformity_scores(rows["actual"], shipped), level)


@dataclass
class RegressionTrainer(SpecTrainer):
    """The count model as a registry trainer (see :mod:`revenue_ml.ml.lifecycle`).

    Training = the rolling-origin backtest (model and baselines), the ensemble over it
    (:mod:`revenue_ml.ml.forecast`: method choice learnt on earlier origins, hierarchical
    reconciliation, conformal intervals), then the final model refit on every labelled row.
    The forecast ships the ensemble unless the best baseline had the lower backtest WAPE.
    ``extra_params`` (e.g. data versions) are stored with the parameters, so changing them
    counts as a parameter change under ``if_data_changed``.
    """

    spec: RegressionSpec
    extra_params: dict = field(default_factory=dict)
    quality_floor: float | None = None
    family: str = LIGHTGBM
    baseline_rule: BaselineRule | None = None

    @property
    def params(self) -> dict:
        spec = self.spec
        ensemble = {
            "methods": methods(spec),
            "availability": dict(sorted(spec.availability.items())),
            "levels": [[name, list(keys)] for name, keys in spec.levels],
            "interval_level": spec.interval_level,
        }
        params = self.spec_params(
            backtest_periods=spec.backtest_periods,
            min_rows=spec.min_rows,
            ensemble=ensemble,
            **self.extra_params,
        )
        return self.with_baseline_rule(params)

    def fingerprint(self, frame: pd.DataFrame) -> str:
        return training_fingerprint(frame, self.spec)

    def train(self, frame: pd.DataFrame, runtime: Runtime) -> Trained:
        spec = self.spec
        frame = frame.sort_values(list(spec.key), kind="mergesort").reset_index(drop=True)
        result = backtest(frame, spec, runtime)
        model = fit(frame, spec)
        labelled = frame[frame[spec.target].notna()]
        metrics: dict = {
            ("backtest" if m == MODEL_METHOD else f"backtest_{m}"): s
            for m, s in result.summary.items()
        }
        metrics["backtest_periods"] = result.periods
        metrics["backtest_skipped"] = {str(k): v for k, v in result.skipped.items()}
        metrics["best_naive"] = {"method": result.best_naive, "wape": result.best_naive_wape}
        predictions = result.predictions
        ens_wape = None
        if len(result.wide):
            run = forecast.run(result.wide, ensemble_spec(spec))
            t = spec.time_column
            tested = run.frame[run.frame[t].isin(result.periods)]
            ens = tested[[*spec.key, "actual"]].assign(
                method=forecast.ENSEMBLE, forecast=tested["ensemble"].to_numpy()
            )
            predictions = pd.concat([predictions, ens[predictions.columns]], ignore_index=True)
            if len(tested):
                ens_metrics = error_metrics(tested["actual"], tested["ensemble"])
                ens_wape = ens_metrics["wape"]
                metrics[f"backtest_{forecast.ENSEMBLE}"] = ens_metrics
                metrics[f"backtest_{forecast.ENSEMBLE}_unreconciled"] = error_metrics(
                    tested["actual"], forecast.to_counts(tested["ensemble_raw"].to_numpy())
                )
            interval_rows = _interval_rows(run, spec, result.periods)
            overall = {r["metric"]: r["value"] for r in interval_rows if r["fold"] == "overall"}
            metrics[f"backtest_{forecast.ENSEMBLE}"] = {
                **metrics.get(f"backtest_{forecast.ENSEMBLE}", {}),
                **overall,
            }
            chosen = tested["chosen"].value_counts().sort_index()
            metrics["ensemble"] = {
                "choices": run.choices,
                "levels": run.levels,
                "score_quantile": run.q,
                "residuals": run.residuals,
                "interval_level": spec.interval_level,
                "backtest_rows_by_method": {str(k): int(v) for k, v in chosen.items()},
            }
        else:
            interval_rows = []
        method = choose_method(
            ens_wape, result.best_naive, result.best_naive_wape, method=forecast.ENSEMBLE
        )
        metrics["forecast_method"] = method
        if method != forecast.ENSEMBLE and "ensemble" in metrics:
            metrics["ensemble"]["score_quantile"] = _naive_quantile(
                result.wide, method, spec.interval_level
            )
        runtime.log(
            f"backtest wape: model {result.model_wape}, ensemble {ens_wape}, best naive "
            f"{result.best_naive} {result.best_naive_wape}: forecast method {method}"
        )
        primary = f"backtest_{forecast.ENSEMBLE}"
        return Trained(
            model_family=LIGHTGBM,
            model_format=LIGHTGBM_TEXT,
            model_text=LightGBM(model).to_text(),
            training_rows=int(len(labelled)),
            primary_metric=f"{primary}.wape",
            primary_metric_value=float("nan") if ens_wape is None else float(ens_wape),
            metrics=metrics,
            evaluation=metric_rows(predictions, spec) + interval_rows,
            feature_importance=feature_importance(model, prepare(labelled, spec), seed=spec.seed),
            reference_profile=reference_profile(
                labelled, spec.numeric, spec.categorical, spec.seed
            ),
        )


#: Format and family of a registered naive baseline (a rule, stored as JSON).
NAIVE_JSON = "naive_json"
NAIVE = "naive"


@dataclass
class NaiveTrainer(SpecTrainer):
    """The best naive baseline as a registered model: the baselines' rolling-origin backtest
    over the same periods as the model's (no model is fitted), and the best one's rule as
    JSON (``{"method": ..., "column": ...}``). It is what the forecaster must beat. ``spec``:
    the forecaster's spec under the baseline's name (its periods and baselines)."""

    spec: RegressionSpec
    extra_params: dict = field(default_factory=dict)
    quality_floor: float | None = None
    family: str = NAIVE

    @property
    def feature_names(self) -> list[str]:
        return sorted(set(self.spec.baselines.values()))

    @property
    def categorical_features(self) -> list[str]:
        return []

    @property
    def params(self) -> dict:
        spec = self.spec
        return {
            "family": NAIVE,
            "baselines": dict(spec.baselines),
            "backtest_periods": spec.backtest_periods,
            "min_rows": spec.min_rows,
            **self.extra_params,
        }

    def fingerprint(self, frame: pd.DataFrame) -> str:
        return training_fingerprint(frame, self.spec)

    def train(self, frame: pd.DataFrame, runtime: Runtime) -> Trained:
        spec = self.spec
        frame = frame.sort_values(list(spec.key), kind="mergesort").reset_index(drop=True)
        result = backtest(frame, spec, runtime, fit_model=False)
        metrics: dict = {f"backtest_{m}": s for m, s in result.summary.items()}
        metrics["backtest_periods"] = result.periods
        metrics["backtest_skipped"] = {str(k): v for k, v in result.skipped.items()}
        metrics["best_naive"] = {"method": result.best_naive, "wape": result.best_naive_wape}
        best = result.best_naive
        runtime.log(f"best naive baseline {best}: backtest wape {result.best_naive_wape}")
        return Trained(
            model_family=NAIVE,
            model_format=NAIVE_JSON,
            model_text=json.dumps(
                {"method": best, "column": spec.baselines.get(best) if best else None},
                sort_keys=True,
            ),
            training_rows=int(frame[spec.target].notna().sum()),
            primary_metric="best_naive.wape",
            primary_metric_value=(
                float("nan") if result.best_naive_wape is None else float(result.best_naive_wape)
            ),
            metrics=metrics,
            evaluation=metric_rows(result.predictions, spec),
        )


def load_model(record: dict) -> lgb.Booster:
    """The registered booster (parsed from its LightGBM text, never unpickled)."""
    return load(record["model_format"], record["model_text"]).booster
