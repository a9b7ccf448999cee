"""The model lifecycle (revenue_ml.ml.lifecycle, revenue_ml.ml.registry): the retrain policy,
fingerprints, train-or-reuse, quality gates, the comparison with a registered baseline, typed
registry frames and the progress lines."""

from __future__ import annotations

import json
from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import dated_rows, dated_spec, mixed_rows, mixed_spec, toy_rows, toy_spec

from revenue_ml.domains import churn
from revenue_ml.ml import lifecycle, registry
from revenue_ml.ml.binary import BinaryTrainer, gate_floor
from revenue_ml.ml.families import LightGBM, LinearModel
from revenue_ml.ml.lifecycle import champion, train_or_reuse
from revenue_ml.ml.registry import records_frame
from revenue_ml.ml.runtime import Runtime
from revenue_ml.ml.scoring import score
from revenue_ml.ml.search import SearchSpace

#: The spec of toy_rows with balanced class weights.
BALANCED = toy_spec(class_weight="balanced")


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
    frame = mixed_rows()
    cols = ["x1", "cat", "y"]
    base = registry.fingerprint(frame, cols, key="id")
    assert registry.fingerprint(frame.sample(frac=1, random_state=1), cols, key="id") == base
    changed = frame.copy()
    changed.loc[0, "x1"] += 1
    assert registry.fingerprint(changed, cols, key="id") != base


def test_train_or_reuse_registers_then_reuses_and_scores() -> None:
    frame = mixed_rows()
    cands = [BinaryTrainer(mixed_spec(), LightGBM, quality_floor=0.5)]
    first = train_or_reuse(frame, cands, None, "if_data_changed")
    assert list(first["model_version"]) == [1] and bool(first["passed_gate"].iloc[0])
    assert train_or_reuse(frame, cands, first, "if_data_changed").empty
    assert list(train_or_reuse(frame, cands, first, "always")["model_version"]) == [2]
    scored = score(frame, champion(first, "toy"), mixed_spec())
    assert scored["probability"].between(0, 1).all() and len(scored) == len(frame)
    assert set(scored["top_feature"]) <= {"x1", "x2", "cat"}


def test_quality_gate_flags_a_model_below_its_floor() -> None:
    rows = train_or_reuse(
        mixed_rows(), [BinaryTrainer(mixed_spec(), LightGBM, 0.999)], None, "always"
    )
    assert not bool(rows["passed_gate"].iloc[0])
    with pytest.raises(LookupError, match="passed its quality gate"):
        champion(rows, "toy")


def test_gate_applies_only_with_enough_positives() -> None:
    few = pd.DataFrame({"churned": [1.0] * 5 + [0.0] * 50 + [np.nan] * 3})
    assert gate_floor(few, churn.TARGET, 0.75, min_positives=30) is None
    many = pd.DataFrame({"churned": [1.0] * 30 + [0.0] * 50})
    assert gate_floor(many, churn.TARGET, 0.75, min_positives=30) == 0.75


def test_searched_model_is_reused_when_nothing_changed() -> None:
    frame = toy_rows()
    space = SearchSpace(grid={"num_leaves": [3, 7]}, max_candidates=2, cv_folds=3)
    cand = BinaryTrainer(BALANCED, LightGBM, None, search=space)
    first = lifecycle.train_or_reuse(frame, [cand], None, "if_data_changed")
    params = json.loads(first.loc[0, "params"])
    assert params["search"]["max_candidates"] == 2
    assert set(params["selected_params"]) >= {"num_leaves"}
    assert any(r["evaluation"] == "search" for r in json.loads(first.loc[0, "evaluation"]))
    again = lifecycle.train_or_reuse(frame, [cand], first, "if_data_changed")
    assert again.empty


def test_baseline_comparison_rows_and_verdict() -> None:
    rule = lifecycle.BaselineRule("m_baseline", "rolling_origin.auc", 0.01)
    rows, summary = lifecycle.baseline_comparison(
        {"rolling_origin": {"auc": 0.81}}, {"rolling_origin": {"auc": 0.79}}, rule, 3
    )
    assert summary["lift"] == pytest.approx(0.02) and summary["beats_baseline"] == 1.0
    assert {r["evaluation"] for r in rows} == {lifecycle.BASELINE_EVALUATION}
    assert {r["fold"] for r in rows} == {"rolling_origin.auc"}
    _, close = lifecycle.baseline_comparison(
        {"rolling_origin": {"auc": 0.795}}, {"rolling_origin": {"auc": 0.79}}, rule, 3
    )
    assert close["beats_baseline"] == 0.0  # better, but not by the margin
    wape = lifecycle.BaselineRule(
        "b", "backtest_ensemble.wape", 0.0, higher_is_better=False, baseline_metric="best.wape"
    )
    _, lower = lifecycle.baseline_comparison(
        {"backtest_ensemble": {"wape": 0.38}}, {"best": {"wape": 0.42}}, wape, 1
    )
    assert lower["lift"] == pytest.approx(0.04) and lower["beats_baseline"] == 1.0


def test_train_or_reuse_records_the_comparison_with_the_baseline_of_the_same_data() -> None:
    frame = dated_rows()
    s = dated_spec(rolling_windows=3)
    rule = lifecycle.BaselineRule("m_baseline", "rolling_origin.auc", 0.0)
    trainers = [
        BinaryTrainer(s, LightGBM, primary_evaluation="rolling_origin", baseline_rule=rule),
        BinaryTrainer(replace(s, name="m_baseline"), LinearModel),
    ]
    first = lifecycle.train_or_reuse(frame, trainers, None, "always")
    metrics = json.loads(first.iloc[0]["metrics"])
    assert metrics["baseline_comparison"]["baseline_version"] == 1
    assert json.loads(first.iloc[0]["params"])["baseline_rule"]["baseline"] == "m_baseline"
    assert lifecycle.train_or_reuse(frame, trainers, first, "if_data_changed").empty
    # the model retrained alone, its baseline reused on the same data: compared with it
    alone = lifecycle.train_or_reuse(frame, trainers[:1], first, "always")
    assert json.loads(alone.iloc[0]["metrics"])["baseline_comparison"]["baseline_version"] == 1
    # other data: the registered baseline no longer matches it, no comparison is recorded
    other = frame.assign(a=frame["a"] + 1.0)
    model_only = lifecycle.train_or_reuse(other, trainers[:1], first, "always")
    assert "baseline_comparison" not in json.loads(model_only.iloc[0]["metrics"])


def test_an_empty_registry_frame_keeps_its_column_types() -> None:
    empty = records_frame([])  # noqa: F841  (read by DuckDB by name)
    described = {r[0]: r[1] for r in duckdb.sql("describe select * from empty").fetchall()}
    assert '"NULL"' not in described.values()
    assert described["out_of_sample"] == "VARCHAR" and described["model_version"] == "BIGINT"


def test_training_logs_progress_lines(caplog) -> None:
    from revenue_ml.ml import runtime as rt

    lines: list[str] = []
    rt.set_reporter(lines.append)
    try:
        cands = [BinaryTrainer(mixed_spec(), LightGBM, quality_floor=0.5)]
        train_or_reuse(mixed_rows(), cands, None, "always", Runtime(threads=1))
    finally:
        rt.set_reporter(None)
    assert lines[0] == "toy: training (no registered version), 1 thread(s)"
    assert any(line.startswith("toy: lightgbm cv fold 5/5: auc ") for line in lines)
    assert any(line.startswith("toy: lightgbm time_holdout: auc ") for line in lines)
    assert lines[-1].startswith("toy: registered version 1: cv_5fold.auc ")
    assert "gate passed (floor 0.5)" in lines[-1]
