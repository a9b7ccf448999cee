"""Fast unit tests of the enrollment forecast's Python code (revenue_ml.ml.regression and
revenue_ml.domains.enrollment) on small synthetic class panels."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import ml_settings

from revenue_ml.domains import enrollment
from revenue_ml.ml import forecast, regression
from revenue_ml.ml.errors import ModelInputError

VERSIONS = {
    "raw_version": "v1",
    "platinum_version": "v1",
    "features_version": "v1",
    "target_version": "v1",
    "experiment_name": "test",
}


def settings(policy: str = "always", **versions: str) -> enrollment.Settings:
    return enrollment.Settings(
        ml=ml_settings(policy),
        backtest_periods=3,
        baseline_margin=0.0,
        interval_level=0.8,
        **{**VERSIONS, **versions},
    )


PERIODS = [202301 + i for i in range(12)] + [202401 + i for i in range(6)]


def class_panel(seed: int = 0, n_sites: int = 3, n_levels: int = 6) -> pd.DataFrame:
    """A features frame shaped like enrollment_class_features: students progress one level a
    period (the level-below feature carries the signal), the last period is the forecast."""
    rng = np.random.default_rng(seed)
    rows = []
    below = {(s, lvl): rng.poisson(10) for s in range(n_sites) for lvl in range(n_levels + 1)}
    last = dict(below)
    for i, periodo in enumerate(PERIODS):
        current = {}
        for s in range(n_sites):
            for lvl in range(1, n_levels + 1):
                prog = below[(s, lvl - 1)] if lvl > 1 else None
                mean = 0.85 * prog if prog is not None else 12 + 4 * (periodo % 100 in (1, 2))
                actual = int(rng.poisson(mean))
                current[(s, lvl)] = actual
                rows.append(
                    {
                        "periodo": periodo,
                        "sede": f"S{s}",
                        "curso_actual": f"L{lvl:02d}",
                        "horario_actual": "AM",
                        "origin_periodo": PERIODS[i - 1] if i else 202212,
                        "horizon_periods": 1,
                        "period_month": periodo % 100,
                        "is_forecast_row": i == len(PERIODS) - 1,
                        "is_candidate": True,
                        "level_order": lvl,
                        "students_last_period": last[(s, lvl)],
                        "withdrawn_last_period": 0,
                        "students_level_below_last_period": prog,
                        "students_last_year": (
                            rows[-12 * n_sites * n_levels]["active_students"] if i >= 12 else None
                        ),
                        "course_ran_last_year": True if i >= 12 else None,
                        "students_two_periods_ago": None,
                        "students_trend": None,
                        "site_students_last_period": 60,
                        "course_students_last_period": 30,
                        "site_trend_ratio": 1.0,
                        "active_students": None if i == len(PERIODS) - 1 else actual,
                    }
                )
        for s in range(n_sites):
            below[(s, 0)] = int(rng.poisson(12))
            for lvl in range(1, n_levels + 1):
                below[(s, lvl)] = current[(s, lvl)]
        last = current
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return class_panel()


@pytest.fixture(scope="module")
def registry(panel: pd.DataFrame) -> pd.DataFrame:
    return enrollment.train(panel, None, settings())


def test_error_metrics_known_values() -> None:
    m = regression.error_metrics(np.array([10, 0, 5]), np.array([8, 1, 5]))
    assert m["mae"] == pytest.approx(1.0)
    assert m["wape"] == pytest.approx(3 / 15)
    assert m["bias"] == pytest.approx(-1 / 3)
    assert np.isnan(regression.error_metrics(np.zeros(2), np.ones(2))["wape"])


def test_to_counts_are_non_negative_integers() -> None:
    out = forecast.to_counts(np.array([-1.2, 0.49, 0.5, 2.51, np.nan]))
    assert out.dtype.kind == "i"
    assert out.tolist() == [0, 0, 1, 3, 0]


def test_choose_method_falls_back_to_the_better_naive() -> None:
    assert regression.choose_method(0.3, "naive_last", 0.5) == "model"
    assert regression.choose_method(0.6, "seasonal_naive", 0.5) == "seasonal_naive"
    assert regression.choose_method(None, "naive_last", 0.5) == "model"  # no backtest
    assert regression.choose_method(0.6, None, None) == "model"  # no baseline to compare


def test_backtest_never_trains_on_rows_after_the_origin(
    panel: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, int]] = []
    real_fit = regression.fit

    def spy(frame: pd.DataFrame, spec: regression.RegressionSpec):
        seen.append((int(frame["periodo"].max()), len(frame)))
        return real_fit(frame, spec)

    monkeypatch.setattr(regression, "fit", spy)
    history = panel[~panel["is_forecast_row"]]
    result = regression.backtest(history, enrollment.spec(backtest_periods=3))
    assert result.periods == PERIODS[-4:-1]
    # each test period t was trained on periods up to its origin (t's previous period) only
    assert [p for p, _ in seen] == PERIODS[-5:-2]


def test_backtest_skips_periods_without_history_and_seasonal_where_unknown() -> None:
    panel = class_panel()
    history = panel[panel["periodo"] <= PERIODS[2]]
    result = regression.backtest(history, enrollment.spec(backtest_periods=6))
    assert PERIODS[0] in result.skipped and "training rows" in result.skipped[PERIODS[0]]
    # no period a year earlier in three months of data: seasonal naive is not scored
    assert "seasonal_naive" not in result.summary
    assert result.best_naive == "naive_last"


def test_fit_refuses_too_little_history(panel: pd.DataFrame) -> None:
    with pytest.raises(ModelInputError, match="labelled rows"):
        regression.fit(panel.head(5), enrollment.spec())


def test_registry_record_layout(registry: pd.DataFrame) -> None:
    # the forecast model and, next to it, its registered naive baseline
    assert registry["model_name"].tolist() == [enrollment.MODEL_NAME, enrollment.BASELINE_NAME]
    row = registry.iloc[0]
    assert row["model_family"] == "lightgbm" and row["model_format"] == "lightgbm_text"
    assert row["primary_metric"] == "backtest_ensemble.wape" and np.isnan(row["threshold"])
    assert json.loads(row["curves"]) == {}
    params = json.loads(row["params"])
    assert params["objective"] == "poisson" and params["raw_version"] == "v1"
    evaluation = json.loads(row["evaluation"])
    folds = {(e["evaluation"], e["fold"]) for e in evaluation if e["metric"] == "wape"}
    for period in PERIODS[-4:-1]:
        assert ("backtest", str(period)) in folds
        assert ("backtest", f"{period}|S0") in folds
    assert ("backtest_naive_last", "overall") in folds
    assert ("backtest_seasonal_naive", "overall") in folds
    assert ("backtest_ensemble", "overall") in folds
    assert ("backtest", "all|S1") in folds
    baseline = registry.iloc[1]
    assert baseline["model_family"] == "naive" and baseline["model_format"] == "naive_json"
    assert json.loads(baseline["model_text"])["method"] in enrollment.BASELINES


def test_evaluation_json_reads_with_the_shared_model_evaluation_schema(
    registry: pd.DataFrame,
) -> None:
    schema = (
        '[{"evaluation": "VARCHAR", "fold": "VARCHAR", "metric": "VARCHAR", "value": "DOUBLE"}]'
    )
    rows = duckdb.sql(
        f"select unnest(from_json(?, '{schema}')) as r", params=[registry.iloc[0]["evaluation"]]
    ).fetchall()
    allowed = {"mae", "wape", "bias", "actual_total", "forecast_total", "rows"}
    allowed |= {"interval_level", "interval_coverage", "interval_rows", "interval_mean_width"}
    allowed |= {"model_value", "baseline_value", "lift", "margin", "beats_baseline"}
    assert rows and all(r[0]["metric"] in allowed | {"baseline_version"} for r in rows)


def test_model_learns_progression_and_beats_naive(registry: pd.DataFrame) -> None:
    metrics = json.loads(registry.iloc[0]["metrics"])
    assert metrics["backtest"]["wape"] < metrics["best_naive"]["wape"]
    # the ensemble keeps the model where it has the better record, so it beats naive too
    assert metrics["backtest_ensemble"]["wape"] < metrics["best_naive"]["wape"]
    assert metrics["forecast_method"] == "ensemble"
    comparison = metrics["baseline_comparison"]
    assert comparison["baseline"] == enrollment.BASELINE_NAME
    assert comparison["beats_baseline"] == 1.0 and comparison["lift"] > 0


def test_retrain_policy(panel: pd.DataFrame, registry: pd.DataFrame) -> None:
    again = enrollment.train(panel, registry, settings("if_data_changed"))
    assert again.empty  # same data, features and params: reuse
    bumped = enrollment.train(panel, registry, settings("if_data_changed", features_version="v2"))
    assert bumped["model_version"].tolist() == [2, 2]  # the model and its baseline
    assert set(bumped["retrain_reason"]) == {"parameters changed"}
    assert enrollment.train(panel, registry, settings("never", raw_version="v9")).empty


def test_training_is_deterministic(panel: pd.DataFrame, registry: pd.DataFrame) -> None:
    again = enrollment.train(panel, None, settings())
    assert again.iloc[0]["model_text"] == registry.iloc[0]["model_text"]
    assert again.iloc[0]["evaluation"] == registry.iloc[0]["evaluation"]


def test_forecast_rows_and_fallback(panel: pd.DataFrame, registry: pd.DataFrame) -> None:
    out = enrollment.forecast(panel, registry, settings())
    expected = panel[panel["is_forecast_row"]]
    assert len(out) == len(expected) and (out["periodo"] == PERIODS[-1]).all()
    assert out["predict_alumnos"].dtype.kind == "i" and (out["predict_alumnos"] >= 0).all()
    assert (out["forecast_method"] == "ensemble").all()
    assert set(out["base_method"]) <= {"model", "seasonal_naive", "naive_last"}
    low, high = out["predicted_students_low"], out["predicted_students_high"]
    assert (low <= out["predict_alumnos"]).all() and (high >= out["predict_alumnos"]).all()
    assert (low >= 0).all() and (out["interval_level"] == 0.8).all()
    assert (out["features_version"] == "v1").all() and (out["model_version"] == 1).all()

    worse = registry.copy()
    metrics = json.loads(worse.iloc[0]["metrics"])
    metrics["forecast_method"] = "naive_last"
    worse.loc[0, "metrics"] = json.dumps(metrics)
    naive = enrollment.forecast(panel, worse, settings())
    assert (naive["forecast_method"] == "naive_last").all()
    last = expected["students_last_period"].astype(int).tolist()
    assert naive["predict_alumnos"].tolist() == last


def test_non_candidates_are_forecast_zero(panel: pd.DataFrame, registry: pd.DataFrame) -> None:
    spec = enrollment.spec()
    rows = panel.head(4).assign(is_candidate=[True, False, True, False])
    model = regression.load_model(registry.iloc[0].to_dict())
    assert (regression.predict(model, rows, spec)[[1, 3]] == 0).all()
    assert (regression.naive_forecast(rows, spec, "naive_last")[[1, 3]] == 0).all()
