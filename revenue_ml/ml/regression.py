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

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

from revenue_ml.ml.drift import reference_profile
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.lifecycle import Trained
from revenue_ml.ml.portable import LIGHTGBM_TEXT, booster_to_text, load, prepare_features
from revenue_ml.ml.registry import fingerprint
from revenue_ml.ml.runtime import SERIAL, Runtime

LIGHTGBM = "lightgbm"
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
    backtest_periods: int = 6
    min_rows: int = 30
    seed: int = 42
    params: dict = field(default_factory=lambda: dict(DEFAULT_PARAMS))

    @property
    def features(self) -> list[str]:
        return list(self.numeric) + list(self.categorical)


# --- model ---------------------------------------------------------------------------------


def prepare(frame: pd.DataFrame, spec: RegressionSpec) -> pd.DataFrame:
    """The spec's features as LightGBM wants them (``portable.prepare_features``)."""
    return prepare_features(frame, spec.numeric, spec.categorical)


def lgb_params(spec: RegressionSpec) -> tuple[dict, int]:
    """LightGBM parameters (seeded, deterministic) and boosting rounds.

    One thread: per-class data is small, and OpenMP threads spinning on a shared machine cost
    far more than they save.
    """
    params = {k: v for k, v in spec.params.items() if k != "num_boost_round"}
    params.update(
        {
            "seed": spec.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": 1,
            "verbosity": -1,
        }
    )
    return params, int(spec.params.get("num_boost_round", 300))


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
    params, rounds = lgb_params(spec)
    data = lgb.Dataset(
        prepare(labelled, spec),
        label=y,
        categorical_feature=spec.categorical or "auto",
        free_raw_data=False,
    )
    return lgb.train(params, data, num_boost_round=rounds)


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


def to_counts(pred: np.ndarray) -> np.ndarray:
    """Shipped forecasts: non-negative integers (half up), shape unchanged."""
    return np.floor(np.clip(np.nan_to_num(pred, nan=0.0), 0.0, None) + 0.5).astype(np.int64)


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
    """

    predictions: pd.DataFrame
    periods: list[int]
    skipped: dict[int, str]
    summary: dict[str, dict[str, float]]
    best_naive: str | None

    @property
    def model_wape(self) -> float | None:
        return self.summary.get(MODEL_METHOD, {}).get("wape")

    @property
    def best_naive_wape(self) -> float | None:
        return self.summary[self.best_naive]["wape"] if self.best_naive else None


def backtest(frame: pd.DataFrame, spec: RegressionSpec, runtime: Runtime = SERIAL) -> Backtest:
    """Rolling-origin backtest over the last ``spec.backtest_periods`` labelled periods.

    For each test period the model is refit on the labelled rows whose target period is no
    later than the test rows' origin (what was known when the forecast would have been made),
    so nothing after the origin leaks. Periods without enough training rows are skipped; a
    baseline is scored only in periods where it can forecast every candidate row.
    """
    t, o = spec.time_column, spec.origin_column
    labelled = frame[frame[spec.target].notna()]
    periods = sorted(int(p) for p in labelled[t].unique())
    tested: list[int] = []
    skipped: dict[int, str] = {}
    parts = []
    for period in periods[-spec.backtest_periods :] if spec.backtest_periods > 0 else []:
        test = labelled[labelled[t] == period]
        origin = int(test[o].max())
        train = labelled[labelled[t] <= origin]
        n_train = int(_candidates(train, spec).sum())
        if n_train < spec.min_rows:
            skipped[period] = f"{n_train} training rows up to origin {origin} (< {spec.min_rows})"
            continue
        tested.append(period)
        model = fit(train, spec)
        runtime.log(f"backtest period {period} (origin {origin}): {n_train} training rows")
        forecasts = {MODEL_METHOD: predict(model, test, spec)}
        for method in spec.baselines:
            naive = naive_forecast(test, spec, method)
            if not np.isnan(naive).any():
                forecasts[method] = naive
        for method, forecast in forecasts.items():
            part = pd.DataFrame(
                {
                    "method": method,
                    t: period,
                    "actual": test[spec.target].astype(float).to_numpy(),
                    "forecast": to_counts(forecast),
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
    return Backtest(predictions, tested, skipped, summary, best)


def choose_method(
    model_wape: float | None, best_naive: str | None, best_naive_wape: float | None
) -> str:
    """The forecast method: the model unless the best baseline's backtest WAPE is lower (a
    model without a backtest, or with no baseline to compare, is used as is)."""
    if best_naive is None or best_naive_wape is None or model_wape is None:
        return MODEL_METHOD
    if np.isnan(model_wape) or np.isnan(best_naive_wape):
        return MODEL_METHOD
    return MODEL_METHOD if model_wape <= best_naive_wape else best_naive


# --- registry lifecycle --------------------------------------------------------------------


def feature_importance(
    model: lgb.Booster, x: pd.DataFrame, sample: int = 2000, seed: int = 0
) -> list[dict]:
    """Per feature: LightGBM gain and mean |contribution| (log of the expected count), the
    latter over a seeded sample of at most ``sample`` rows of ``x``."""
    if len(x) > sample:
        x = x.sample(n=sample, random_state=seed)
    contrib = np.abs(np.asarray(model.predict(x, pred_contrib=True, num_threads=1))[:, :-1]).mean(
        axis=0
    )
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


@dataclass
class RegressionTrainer:
    """The count model as a registry trainer (see :mod:`revenue_ml.ml.lifecycle`).

    Training = the rolling-origin backtest (model and baselines), then the final model refit
    on every labelled row. ``extra_params`` (e.g. data versions) are stored with the
    parameters, so changing them counts as a parameter change under ``if_data_changed``.
    """

    spec: RegressionSpec
    extra_params: dict = field(default_factory=dict)
    quality_floor: float | None = None
    family: str = LIGHTGBM

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
        spec = self.spec
        return {
            "family": LIGHTGBM,
            **spec.params,
            "seed": spec.seed,
            "backtest_periods": spec.backtest_periods,
            "min_rows": spec.min_rows,
            **self.extra_params,
        }

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
        metrics["forecast_method"] = choose_method(
            result.model_wape, result.best_naive, result.best_naive_wape
        )
        runtime.log(
            f"backtest wape {result.model_wape} against {result.best_naive} "
            f"{result.best_naive_wape}: forecast method {metrics['forecast_method']}"
        )
        model_wape = result.model_wape
        return Trained(
            model_family=LIGHTGBM,
            model_format=LIGHTGBM_TEXT,
            model_text=booster_to_text(model),
            training_rows=int(len(labelled)),
            primary_metric="backtest.wape",
            primary_metric_value=float("nan") if model_wape is None else float(model_wape),
            metrics=metrics,
            evaluation=metric_rows(result.predictions, spec),
            feature_importance=feature_importance(model, prepare(labelled, spec), seed=spec.seed),
            reference_profile=reference_profile(
                labelled, spec.numeric, spec.categorical, spec.seed
            ),
        )


def load_model(record: dict) -> lgb.Booster:
    """The registered booster (parsed from its LightGBM text, never unpickled)."""
    return load(record["model_format"], record["model_text"])
