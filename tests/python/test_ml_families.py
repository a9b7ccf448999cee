"""The model families (revenue_ml.ml.families): each one's text round trip, predictions and
contributions, and the loader that refuses anything else."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from conftest import (
    dated_rows,
    dated_spec,
    lightgbm_params,
    mixed_rows,
    mixed_spec,
    toy_rows,
    toy_spec,
)
from sklearn.ensemble import RandomForestClassifier

from revenue_ml.ml import binary, families
from revenue_ml.ml.families import ForestModel, LightGBM, LinearModel, LogitBlend, load
from revenue_ml.ml.families.forest import FOREST_JSON

#: The spec of toy_rows with balanced class weights.
BALANCED = toy_spec(class_weight="balanced")


def test_lightgbm_text_round_trip_predicts_identically() -> None:
    frame, spec = mixed_rows(), mixed_spec()
    trained = binary.train(frame, spec, LightGBM)
    loaded = families.load(trained.model_format, trained.model_text)
    x = binary.prepare(frame, spec)
    assert np.array_equal(trained.model.predict_proba(x, spec), loaded.predict_proba(x, spec))


def test_prediction_threads_do_not_change_a_probability() -> None:
    """The REST service predicts big batches on several threads, the build on one: the same
    bits either way (LightGBM scores each row on its own)."""
    frame, spec = mixed_rows(n=2_000), mixed_spec(categorical=[])
    trained = binary.train(frame, spec, LightGBM)
    x = binary.prepare(frame, spec)
    one = trained.model.predict_proba(x, spec, threads=1)
    assert np.array_equal(one, trained.model.predict_proba(x, spec, threads=2))
    assert np.array_equal(one, trained.model.predict_proba(x, spec, threads=4))


def test_linear_json_round_trip_and_no_pickle() -> None:
    frame, spec = mixed_rows(), mixed_spec()
    trained = binary.train(frame, spec, LinearModel)
    assert trained.model_format == LinearModel.model_format
    json.loads(trained.model_text)  # plain JSON
    loaded = families.load(trained.model_format, trained.model_text)
    x = binary.prepare(frame, spec)
    assert np.allclose(trained.model.predict_proba(x, spec), loaded.predict_proba(x, spec))


@pytest.mark.parametrize("family", [LinearModel, LogitBlend])
def test_a_row_scores_the_same_alone_or_in_any_batch(family) -> None:
    """The REST service scores a record alone or in a batch of any size: the same bits (a
    matrix product's BLAS kernel, and its last bits, change with the number of rows)."""
    frame = dated_rows()
    spec = dated_spec(rolling_windows=0, params=lightgbm_params(30, blend_weight=0.6))
    model = binary.train(frame, spec, family).model
    x = binary.prepare(frame, spec)
    batch = model.predict_proba(x, spec)
    for n in (1, 2, 3, 5, 17):
        head = model.predict_proba(x.iloc[:n], spec)
        assert np.array_equal(head, batch[:n]), n
    alone = np.concatenate([model.predict_proba(x.iloc[[i]], spec) for i in range(len(x))])
    assert np.array_equal(alone, batch)


def test_unknown_model_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown model format"):
        families.load("pickle", "gASV")


def test_forest_json_predictions_equal_sklearn_exactly_including_missing_values() -> None:
    frame = toy_rows()
    x = frame[["a", "b", "c"]].copy()
    x.loc[::7, "b"] = np.nan  # sklearn routes missing values; the export must do the same
    rf = RandomForestClassifier(
        n_estimators=25, min_samples_leaf=2, random_state=3, class_weight="balanced", n_jobs=1
    )
    rf.fit(x.to_numpy(dtype=np.float32), frame["y"].astype(int))
    exported = ForestModel.from_text(ForestModel.from_sklearn(rf, ["a", "b", "c"]).to_text())
    expected = rf.predict_proba(x.to_numpy(dtype=np.float32))[:, 1]
    np.testing.assert_array_equal(exported.probabilities(x), expected)


def test_forest_contributions_add_up_to_the_probability() -> None:
    frame = toy_rows()
    rf = RandomForestClassifier(n_estimators=10, random_state=0, n_jobs=1)
    rf.fit(frame[["a", "b", "c"]].to_numpy(dtype=np.float32), frame["y"].astype(int))
    model = ForestModel.from_sklearn(rf, ["a", "b", "c"])
    contrib = model.path_contributions(frame)
    np.testing.assert_allclose(
        model.bias + contrib.sum(axis=1), model.probabilities(frame), atol=1e-12
    )
    # The informative features drive the forest, the noise feature barely does.
    assert np.abs(contrib[:, 2]).mean() < np.abs(contrib[:, 0]).mean()


def test_random_forest_family_trains_registers_as_json_and_reloads() -> None:
    spec = replace(BALANCED, params={"n_estimators": 15, "min_samples_leaf": 2})
    trained = binary.train(toy_rows(), spec, ForestModel)
    assert trained.model_format == FOREST_JSON
    reloaded = load(FOREST_JSON, trained.model_text)
    x = binary.prepare(toy_rows(), spec)
    np.testing.assert_array_equal(
        reloaded.predict_proba(x, spec), trained.model.predict_proba(x, spec)
    )
    assert {"cv_3fold", "test_split"} <= set(trained.metrics)
    assert len(trained.oof) == len(trained.oof_target) == 180  # the fit part: 240 - 25%


def test_logit_blend_stores_as_json_and_its_contributions_add_up_in_log_odds() -> None:
    frame = dated_rows()
    s = dated_spec(
        rolling_windows=0,
        params=lightgbm_params(30, blend_weight=0.6),
    )
    trained = binary.train(frame, s, LogitBlend)
    assert trained.model_format == LogitBlend.model_format
    model = load(LogitBlend.model_format, trained.model_text)
    assert isinstance(model, LogitBlend)
    assert [m.weight for m in model.members] == [0.6, pytest.approx(0.4)]
    x = binary.prepare(frame, s)
    prob = model.predict_proba(x, s)
    np.testing.assert_allclose(prob, trained.model.predict_proba(x, s))
    names, contrib = model.contributions(x, s)
    assert names == s.features
    offset = np.log(prob / (1 - prob)) - contrib.sum(axis=1)
    np.testing.assert_allclose(offset, offset[0], atol=1e-8)  # the same bias for every row
    assert json.loads(trained.model_text)["members"][1]["model_format"] == "linear_json"
