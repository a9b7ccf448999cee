"""Unit tests of the shared ML machinery (revenue_ml.ml)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from revenue_ml.ml import binary, drift, evaluation, families, protocols, registry
from revenue_ml.ml.binary import BinaryTrainer
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.families import LightGBM, LinearModel
from revenue_ml.ml.families.lightgbm import DEFAULT_PARAMS
from revenue_ml.ml.lifecycle import champion, train_or_reuse
from revenue_ml.ml.runtime import Runtime, resolve_threads
from revenue_ml.ml.scoring import score


def toy_frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    cat = rng.choice(["a", "b", "c"], size=n)
    logit = 1.5 * x1 + (cat == "a") * 1.0 - 0.2
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    frame = pd.DataFrame(
        {
            "id": [f"k{i:04d}" for i in range(n)],
            "x1": x1,
            "x2": rng.normal(size=n),
            "cat": cat,
            "when": pd.date_range("2020-01-01", periods=n, freq="D"),
            "y": y,
        }
    )
    frame.loc[frame.index[-40:], "y"] = np.nan  # rows to score
    return frame


def toy_spec(**overrides) -> binary.BinarySpec:
    params = dict(
        name="toy",
        domain="test",
        variant="v",
        key="id",
        target="y",
        numeric=["x1", "x2"],
        categorical=["cat"],
        forbidden=frozenset({"leak"}),
        time_column="when",
        cv_folds=5,
        params={**DEFAULT_PARAMS, "num_boost_round": 30},
    )
    params.update(overrides)
    return binary.BinarySpec(**params)


def test_lightgbm_text_round_trip_predicts_identically() -> None:
    frame, spec = toy_frame(), toy_spec()
    trained = binary.train(frame, spec, LightGBM)
    loaded = families.load(trained.model_format, trained.model_text)
    x = binary.prepare(frame, spec)
    assert np.array_equal(trained.model.predict_proba(x, spec), loaded.predict_proba(x, spec))


def test_prediction_threads_do_not_change_a_probability() -> None:
    """The REST service predicts big batches on several threads, the build on one: the same
    bits either way (LightGBM scores each row on its own)."""
    frame, spec = toy_frame(n=2_000), toy_spec(categorical=[])
    trained = binary.train(frame, spec, LightGBM)
    x = binary.prepare(frame, spec)
    one = trained.model.predict_proba(x, spec, threads=1)
    assert np.array_equal(one, trained.model.predict_proba(x, spec, threads=2))
    assert np.array_equal(one, trained.model.predict_proba(x, spec, threads=4))


def test_service_threads_come_from_the_environment_or_the_cores(monkeypatch) -> None:
    from revenue_ml.serve import models
    from revenue_ml.serve.__main__ import settings_from_args

    monkeypatch.delenv(models.THREADS_ENV, raising=False)
    assert models.threads_from_environment() == (os.cpu_count() or 1)
    monkeypatch.setenv(models.THREADS_ENV, "1")
    assert models.ServiceSettings.from_environment().threads == 1
    # the command line's source and body limit keep the environment's threads
    monkeypatch.setenv(models.THREADS_ENV, "3")
    args = argparse.Namespace(warehouse=Path("w.duckdb"), snapshot=None, max_body_bytes=10)
    settings = settings_from_args(args)
    assert (settings.threads, settings.warehouse, settings.max_body_bytes) == (
        3,
        Path("w.duckdb"),
        10,
    )
    monkeypatch.setenv(models.THREADS_ENV, "two")
    with pytest.raises(ValueError, match="REVENUE_ML_SERVE_THREADS='two' is not a thread count"):
        models.threads_from_environment()


def test_linear_json_round_trip_and_no_pickle() -> None:
    frame, spec = toy_frame(), toy_spec()
    trained = binary.train(frame, spec, LinearModel)
    assert trained.model_format == LinearModel.model_format
    json.loads(trained.model_text)  # plain JSON
    loaded = families.load(trained.model_format, trained.model_text)
    x = binary.prepare(frame, spec)
    assert np.allclose(trained.model.predict_proba(x, spec), loaded.predict_proba(x, spec))


def test_unknown_model_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown model format"):
        families.load("pickle", "gASV")


def test_training_is_deterministic() -> None:
    frame, spec = toy_frame(), toy_spec()
    first = binary.train(frame, spec, LightGBM)
    second = binary.train(frame, spec, LightGBM)
    assert first.model_text == second.model_text
    assert first.metrics == second.metrics


def test_same_rows_in_any_order_and_any_thread_count_give_the_same_model() -> None:
    frame, spec = toy_frame(), toy_spec()
    first = binary.train(frame, spec, LightGBM)
    shuffled = binary.train(
        frame.sample(frac=1, random_state=11), spec, LightGBM, Runtime(threads=3)
    )
    assert first.model_text == shuffled.model_text
    assert first.threshold == shuffled.threshold
    assert first.metrics == shuffled.metrics


@pytest.mark.parametrize("protocol", [{}, {"time_column": None, "test_share": 0.25}])
def test_threshold_and_cv_never_see_the_held_out_rows(protocol: dict) -> None:
    """Changing the held-out rows' features changes the held-out figures only: the threshold
    and the cross-validation are computed on the rest (a threshold tuned on the test rows would
    make the reported test F1 optimistic)."""
    frame, spec = toy_frame(), toy_spec(**protocol)
    trained = binary.train(frame, spec, LightGBM)
    labelled = protocols.validate(frame, spec)
    split = protocols.holdout(labelled, spec)
    held_keys = labelled[spec.key].to_numpy()[split.test_idx]
    flipped = frame.copy()
    held = flipped[spec.key].isin(held_keys)
    flipped.loc[held, "x1"] = -flipped.loc[held, "x1"]
    again = binary.train(flipped, spec, LightGBM)
    assert again.threshold == trained.threshold
    assert again.metrics[spec.cv_name] == trained.metrics[spec.cv_name]
    assert again.metrics[split.name] != trained.metrics[split.name]
    assert len(trained.oof) == len(split.fit_idx)
    assert not set(trained.oof_keys) & set(held_keys)


def test_training_reports_cv_and_time_holdout() -> None:
    trained = binary.train(toy_frame(), toy_spec(), LightGBM)
    assert set(trained.metrics) == {"cv_5fold", "time_holdout"}
    assert 0.6 < trained.metrics["cv_5fold"]["auc"] <= 1.0
    folds = [r for r in trained.evaluation if r["fold"] not in ("all",)]
    assert len(folds) == 5


def test_one_class_target_names_the_model() -> None:
    frame = toy_frame()
    frame.loc[frame["y"].notna(), "y"] = 1.0
    with pytest.raises(ModelInputError, match=r"model toy: the target 'y' has only class \[1\]"):
        binary.train(frame, toy_spec(), LightGBM)


def test_too_few_rows_and_forbidden_features_are_refused() -> None:
    with pytest.raises(ModelInputError, match="only 10 labelled rows"):
        binary.train(toy_frame().head(10), toy_spec(), LightGBM)
    frame = toy_frame().assign(leak=1.0)
    with pytest.raises(ModelInputError, match="forbidden feature"):
        binary.train(frame, toy_spec(numeric=["x1", "leak"]), LightGBM)


def test_retrain_policy() -> None:
    latest = {
        "training_fingerprint": "abc",
        "feature_names": json.dumps(["x1"]),
        "params": registry.params_json({"a": 1}),
    }
    assert registry.decide("if_data_changed", None, "abc", ["x1"], {"a": 1})[0]
    assert not registry.decide("if_data_changed", latest, "abc", ["x1"], {"a": 1})[0]
    assert registry.decide("if_data_changed", latest, "xyz", ["x1"], {"a": 1}) == (
        True,
        "training data changed",
    )
    assert registry.decide("if_data_changed", latest, "abc", ["x1", "x2"], {"a": 1})[0]
    assert registry.decide("if_data_changed", latest, "abc", ["x1"], {"a": 2})[0]
    assert registry.decide("always", latest, "abc", ["x1"], {"a": 1})[0]
    assert not registry.decide("never", latest, "xyz", ["x1"], {"a": 1})[0]
    with pytest.raises(ValueError, match="retrain_policy"):
        registry.decide("sometimes", latest, "abc", ["x1"], {})


def test_fingerprint_ignores_row_order_but_not_values() -> None:
    frame = toy_frame()
    cols = ["x1", "cat", "y"]
    base = registry.fingerprint(frame, cols, key="id")
    assert registry.fingerprint(frame.sample(frac=1, random_state=1), cols, key="id") == base
    changed = frame.copy()
    changed.loc[0, "x1"] += 1
    assert registry.fingerprint(changed, cols, key="id") != base


def test_train_or_reuse_registers_then_reuses_and_scores() -> None:
    frame = toy_frame()
    cands = [BinaryTrainer(toy_spec(), LightGBM, quality_floor=0.5)]
    first = train_or_reuse(frame, cands, None, "if_data_changed")
    assert list(first["model_version"]) == [1] and bool(first["passed_gate"].iloc[0])
    assert train_or_reuse(frame, cands, first, "if_data_changed").empty
    assert list(train_or_reuse(frame, cands, first, "always")["model_version"]) == [2]
    scored = score(frame, champion(first, "toy"), toy_spec())
    assert scored["probability"].between(0, 1).all() and len(scored) == len(frame)
    assert set(scored["top_feature"]) <= {"x1", "x2", "cat"}


def test_quality_gate_flags_a_model_below_its_floor() -> None:
    rows = train_or_reuse(toy_frame(), [BinaryTrainer(toy_spec(), LightGBM, 0.999)], None, "always")
    assert not bool(rows["passed_gate"].iloc[0])
    with pytest.raises(LookupError, match="passed its quality gate"):
        champion(rows, "toy")


def test_metrics_match_sklearn() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    p = np.clip(y * 0.3 + rng.random(500) * 0.7, 0, 1)
    m = evaluation.binary_metrics(y, p, 0.5)
    assert m["auc"] == pytest.approx(roc_auc_score(y, p))
    assert m["f1"] == pytest.approx(f1_score(y, p >= 0.5))
    assert m["true_positives"] + m["false_negatives"] == y.sum()
    t = evaluation.best_f1_threshold(y, p)
    assert m["f1"] <= f1_score(y, p >= t) + 1e-12
    bins = evaluation.calibration_bins(y, p)
    assert sum(b["rows"] for b in bins) == 500


def test_drift_flags_a_shifted_feature_only() -> None:
    rng = np.random.default_rng(5)
    ref = pd.DataFrame(
        {"a": rng.normal(size=3000), "b": rng.normal(size=3000), "c": rng.choice(["x", "y"], 3000)}
    )
    profile = drift.reference_profile(ref, ["a", "b"], ["c"])
    batch = pd.DataFrame(
        {
            "a": rng.normal(size=1000),
            "b": rng.normal(loc=1.5, size=1000),
            "c": rng.choice(["x", "y"], 1000),
        }
    )
    rows = {r["feature"]: r for r in drift.drift_rows(profile, batch)}
    assert not rows["a"]["is_drifted"] and rows["a"]["ks_statistic"] < 0.1
    assert rows["b"]["is_drifted"] and rows["b"]["psi"] > 0.25
    assert not rows["c"]["is_drifted"] and np.isnan(rows["c"]["ks_statistic"])


def test_thread_setting_comes_from_the_var_env_or_cores_per_dbt_thread(monkeypatch) -> None:
    monkeypatch.delenv("REVENUE_ML_THREADS", raising=False)
    assert resolve_threads("", 2, cpu_count=2) == 1  # 2 dbt threads on 2 cores: one each
    assert resolve_threads(None, 1, cpu_count=8) == 8
    assert resolve_threads("auto", 4, cpu_count=2) == 1  # never below one
    assert resolve_threads("3", 2, cpu_count=2) == 3
    monkeypatch.setenv("REVENUE_ML_THREADS", "2")
    assert resolve_threads("3", 2, cpu_count=2) == 2  # the environment wins
    monkeypatch.setenv("REVENUE_ML_THREADS", "many")
    with pytest.raises(ValueError, match="whole number"):
        resolve_threads("", 2)


def test_python_models_keep_blas_and_openmp_on_one_thread() -> None:
    """The pools' limit is process-wide: a fit's `with` block leaving must not hand a model that
    trains beside it two BLAS threads (other last bits of its coefficients)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from revenue_ml.dbt import clear_errors
    from revenue_ml.ml import runtime as rt

    def threads() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info()}

    with threadpool_limits(limits=2):  # the process as dbt starts it; restored afterwards
        assert threads() == {2}
        try:
            with clear_errors():
                assert threads() == {1}
                Runtime(threads=2).map(abs, [-1, -2])  # a fit's with-block entered and left
                assert threads() == {1}
        finally:
            rt.set_reporter(None)


def test_training_logs_progress_lines(caplog) -> None:
    from revenue_ml.ml import runtime as rt

    lines: list[str] = []
    rt.set_reporter(lines.append)
    try:
        cands = [BinaryTrainer(toy_spec(), LightGBM, quality_floor=0.5)]
        train_or_reuse(toy_frame(), cands, None, "always", Runtime(threads=1))
    finally:
        rt.set_reporter(None)
    assert lines[0] == "toy: training (no registered version), 1 thread(s)"
    assert any(line.startswith("toy: lightgbm cv fold 5/5: auc ") for line in lines)
    assert any(line.startswith("toy: lightgbm time_holdout: auc ") for line in lines)
    assert lines[-1].startswith("toy: registered version 1: cv_5fold.auc ")
    assert "gate passed (floor 0.5)" in lines[-1]
