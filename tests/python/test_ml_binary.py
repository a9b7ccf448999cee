"""Training a binary classifier (revenue_ml.ml.binary) under its evaluation protocols
(revenue_ml.ml.protocols: holdout, cross-validation, rolling origin, repeated splits) and the
bounded hyper-parameter search (revenue_ml.ml.search)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import dated_rows, dated_spec, mixed_rows, mixed_spec, toy_rows, toy_spec

from revenue_ml.ml import binary, protocols
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.families import LightGBM, LinearModel
from revenue_ml.ml.runtime import Runtime
from revenue_ml.ml.search import SearchSpace, candidate_params, search, training_part

#: The spec of toy_rows with balanced class weights.
BALANCED = toy_spec(class_weight="balanced")


def test_training_is_deterministic() -> None:
    frame, spec = mixed_rows(), mixed_spec()
    first = binary.train(frame, spec, LightGBM)
    second = binary.train(frame, spec, LightGBM)
    assert first.model_text == second.model_text
    assert first.metrics == second.metrics


def test_same_rows_in_any_order_and_any_thread_count_give_the_same_model() -> None:
    frame, spec = mixed_rows(), mixed_spec()
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
    frame, spec = mixed_rows(), mixed_spec(**protocol)
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
    trained = binary.train(mixed_rows(), mixed_spec(), LightGBM)
    assert set(trained.metrics) == {"cv_5fold", "time_holdout"}
    assert 0.6 < trained.metrics["cv_5fold"]["auc"] <= 1.0
    folds = [r for r in trained.evaluation if r["fold"] not in ("all",)]
    assert len(folds) == 5


def test_one_class_target_names_the_model() -> None:
    frame = mixed_rows()
    frame.loc[frame["y"].notna(), "y"] = 1.0
    with pytest.raises(ModelInputError, match=r"model toy: the target 'y' has only class \[1\]"):
        binary.train(frame, mixed_spec(), LightGBM)


def test_too_few_rows_and_forbidden_features_are_refused() -> None:
    with pytest.raises(ModelInputError, match="only 10 labelled rows"):
        binary.train(mixed_rows().head(10), mixed_spec(), LightGBM)
    frame = mixed_rows().assign(leak=1.0)
    with pytest.raises(ModelInputError, match="forbidden feature"):
        binary.train(frame, mixed_spec(numeric=["x1", "leak"]), LightGBM)


def test_rolling_windows_learn_only_from_labels_known_before_the_origin() -> None:
    frame = protocols.validate(dated_rows(), dated_spec())
    windows = protocols.rolling_windows(frame, dated_spec())
    assert len(windows) == 5
    known = pd.to_datetime(frame["known"]).to_numpy()
    created = pd.to_datetime(frame["created"]).to_numpy()
    tested = np.concatenate([w.test_idx for w in windows])
    assert len(tested) == len(set(tested)) == round(len(frame) * 0.5)
    for w in windows:
        assert (known[w.train_idx] < w.origin).all()
        assert (created[w.test_idx] >= w.origin).all()
        # rows created before the origin but labelled after it are left out of training
        late = np.flatnonzero((created < w.origin) & (known >= w.origin))
        assert not set(late) & set(w.train_idx)


def test_rolling_windows_can_be_capped_to_the_most_recent_labels() -> None:
    frame = protocols.validate(dated_rows(), dated_spec())
    capped = protocols.rolling_windows(frame, dated_spec(rolling_max_train_rows=120))
    uncapped = protocols.rolling_windows(frame, dated_spec())
    known = pd.to_datetime(frame["known"]).to_numpy()
    for small, full in zip(capped, uncapped, strict=True):
        assert len(small.train_idx) == min(120, len(full.train_idx))
        assert set(small.train_idx) <= set(full.train_idx)
        dropped = np.setdiff1d(full.train_idx, small.train_idx)
        if len(dropped):  # only older labels were dropped
            assert known[dropped].max() <= known[small.train_idx].min()
        np.testing.assert_array_equal(small.test_idx, full.test_idx)


def test_rolling_origin_evaluation_rows_and_determinism_under_row_order() -> None:
    frame = dated_rows()
    trained = binary.train(frame, dated_spec(), LightGBM)
    rolled = trained.metrics[protocols.ROLLING_EVALUATION]
    assert rolled["windows"] == 5 and 0.5 < rolled["auc"] <= 1
    assert 0 <= rolled["ece"] <= 1 and rolled["auc_window_min"] <= rolled["auc_window_mean"]
    folds = {
        r["fold"]
        for r in trained.evaluation
        if r["evaluation"] == protocols.ROLLING_EVALUATION and r["metric"] == "auc"
    }
    assert len(folds) == 6 and "all" in folds  # five windows (origin dates) and the pool
    assert {"roc", "calibration"} <= set(trained.curves[protocols.ROLLING_EVALUATION])
    shuffled = binary.train(
        frame.sample(frac=1.0, random_state=5), dated_spec(), LightGBM, Runtime(threads=2)
    )
    assert shuffled.evaluation == trained.evaluation
    assert shuffled.model_text == trained.model_text


def test_time_holdout_model_never_sees_a_label_known_after_the_holdout_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = dated_rows()
    labelled = protocols.validate(frame, dated_spec(rolling_windows=0))
    split = protocols.holdout(labelled, dated_spec())
    start = pd.to_datetime(labelled["created"]).to_numpy()[split.test_idx].min()
    sizes: list[int] = []
    real_fit = LightGBM.fit

    def spy(x, y, s):
        sizes.append(len(y))
        return real_fit(x, y, s)

    monkeypatch.setattr(LightGBM, "fit", staticmethod(spy))
    binary.train(frame, dated_spec(rolling_windows=0), LightGBM)
    allowed = int((pd.to_datetime(labelled["known"]).to_numpy()[split.fit_idx] < start).sum())
    assert allowed < len(split.fit_idx)  # some fit-part labels arrived during the holdout
    assert allowed in sizes  # the holdout's model was fitted on exactly the known ones


def test_repeated_splits_use_the_same_splits_for_every_family() -> None:
    frame = dated_rows()
    s = dated_spec(rolling_windows=0, time_column=None, known_at_column=None, repeated_splits=4)
    a = binary.train(frame, s, LightGBM)
    b = binary.train(frame, replace(s, name="b"), LinearModel)
    summary = a.metrics[protocols.REPEATED_EVALUATION]
    assert summary["splits"] == 4 and summary["auc_min"] <= summary["auc"] <= summary["auc_max"]
    assert summary["auc_sd"] >= 0
    rows = [r for r in a.evaluation if r["evaluation"] == protocols.REPEATED_EVALUATION]
    assert {r["fold"] for r in rows} == {"split_01", "split_02", "split_03", "split_04", "all"}
    assert b.metrics[protocols.REPEATED_EVALUATION]["splits"] == 4


def test_training_part_sets_the_held_out_test_split_aside() -> None:
    frame = toy_rows()
    part = training_part(frame, BALANCED)
    assert len(part) == 180
    assert len(training_part(frame, replace(BALANCED, test_share=None))) == 240


def test_candidate_params_start_with_the_base_and_are_distinct_and_bounded() -> None:
    space = SearchSpace(
        grid={"num_leaves": [3, 7, 15], "learning_rate": [0.05, 0.1]}, max_candidates=4
    )
    params = candidate_params(BALANCED, space)
    assert params[0] == BALANCED.params
    assert len(params) == 4
    assert len({json.dumps(p, sort_keys=True) for p in params}) == 4


def test_search_selects_the_best_cv_f1_and_records_every_candidate() -> None:
    space = SearchSpace(
        grid={"num_leaves": [3, 7], "min_data_in_leaf": [5, 40]}, max_candidates=3, cv_folds=3
    )
    result = search(toy_rows(), BALANCED, LightGBM, space)
    assert len(result.trials) == 3
    assert result.best.cv_f1 == max(t.cv_f1 for t in result.trials)
    rows = result.evaluation_rows()
    selected = [r for r in rows if r["metric"] == "is_selected" and r["value"] == 1.0]
    assert [r["fold"] for r in selected] == [f"candidate_{result.best.candidate:02d}"]
    assert {r["fold"] for r in rows if r["metric"] == "cv_f1"} == {
        "candidate_01",
        "candidate_02",
        "candidate_03",
    }


def test_search_budget_is_a_count_and_its_result_ignores_threads_and_row_order() -> None:
    space = SearchSpace(
        grid={"num_leaves": [3, 7, 15], "min_data_in_leaf": [5, 20]}, max_candidates=4, cv_folds=3
    )
    frame = toy_rows()
    serial = search(frame, BALANCED, LightGBM, space)
    parallel = search(
        frame.sample(frac=1, random_state=5), BALANCED, LightGBM, space, Runtime(threads=2)
    )
    assert [t.candidate for t in serial.trials] == [1, 2, 3, 4]
    assert [(t.params, t.cv_f1, t.cv_threshold, t.cv_auc) for t in serial.trials] == [
        (t.params, t.cv_f1, t.cv_threshold, t.cv_auc) for t in parallel.trials
    ]
