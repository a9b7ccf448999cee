"""Unit tests of the evaluation protocols and model forms added for the open-offer, campaign
and enrollment models: rolling origin, repeated splits, the log-odds blend, the comparison
with a registered baseline, the expected-profit band and typed registry frames."""

from __future__ import annotations

import json
from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd
import pytest

from revenue_ml.ml import binary, lifecycle, objectives, protocols
from revenue_ml.ml.binary import BinaryTrainer
from revenue_ml.ml.families import LightGBM, LinearModel, LogitBlend, load
from revenue_ml.ml.families.lightgbm import DEFAULT_PARAMS
from revenue_ml.ml.registry import records_frame
from revenue_ml.ml.runtime import Runtime


def dated_frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Labelled rows created over 400 days; a label is known 0-60 days after creation."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    created = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    known = created + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    logit = 1.5 * x[:, 0] - x[:, 1] + rng.normal(scale=0.7, size=n)
    return pd.DataFrame(
        {
            "key": [f"k{i:04d}" for i in range(n)],
            "a": x[:, 0],
            "b": x[:, 1],
            "kind": rng.choice(["p", "q", "r"], size=n),
            "created": created,
            "known": known,
            "y": (logit > 0).astype(float),
        }
    )


def spec(**kw) -> binary.BinarySpec:
    base = dict(
        name="m",
        domain="d",
        variant="v",
        key="key",
        target="y",
        numeric=["a", "b"],
        categorical=["kind"],
        time_column="created",
        known_at_column="known",
        holdout_share=0.2,
        cv_folds=3,
        min_rows=30,
        rolling_windows=5,
        rolling_share=0.5,
        params={**DEFAULT_PARAMS, "num_boost_round": 30},
    )
    return binary.BinarySpec(**{**base, **kw})


# --- rolling origin ---------------------------------------------------------------------------


def test_rolling_windows_learn_only_from_labels_known_before_the_origin() -> None:
    frame = protocols.validate(dated_frame(), spec())
    windows = protocols.rolling_windows(frame, spec())
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
    frame = protocols.validate(dated_frame(), spec())
    capped = protocols.rolling_windows(frame, spec(rolling_max_train_rows=120))
    uncapped = protocols.rolling_windows(frame, spec())
    known = pd.to_datetime(frame["known"]).to_numpy()
    for small, full in zip(capped, uncapped, strict=True):
        assert len(small.train_idx) == min(120, len(full.train_idx))
        assert set(small.train_idx) <= set(full.train_idx)
        dropped = np.setdiff1d(full.train_idx, small.train_idx)
        if len(dropped):  # only older labels were dropped
            assert known[dropped].max() <= known[small.train_idx].min()
        np.testing.assert_array_equal(small.test_idx, full.test_idx)


def test_rolling_origin_evaluation_rows_and_determinism_under_row_order() -> None:
    frame = dated_frame()
    trained = binary.train(frame, spec(), LightGBM)
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
        frame.sample(frac=1.0, random_state=5), spec(), LightGBM, Runtime(threads=2)
    )
    assert shuffled.evaluation == trained.evaluation
    assert shuffled.model_text == trained.model_text


def test_time_holdout_model_never_sees_a_label_known_after_the_holdout_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = dated_frame()
    labelled = protocols.validate(frame, spec(rolling_windows=0))
    split = protocols.holdout(labelled, spec())
    start = pd.to_datetime(labelled["created"]).to_numpy()[split.test_idx].min()
    sizes: list[int] = []
    real_fit = LightGBM.fit

    def spy(x, y, s):
        sizes.append(len(y))
        return real_fit(x, y, s)

    monkeypatch.setattr(LightGBM, "fit", staticmethod(spy))
    binary.train(frame, spec(rolling_windows=0), LightGBM)
    allowed = int((pd.to_datetime(labelled["known"]).to_numpy()[split.fit_idx] < start).sum())
    assert allowed < len(split.fit_idx)  # some fit-part labels arrived during the holdout
    assert allowed in sizes  # the holdout's model was fitted on exactly the known ones


# --- repeated splits and the blend ------------------------------------------------------------


def test_repeated_splits_use_the_same_splits_for_every_family() -> None:
    frame = dated_frame()
    s = spec(rolling_windows=0, time_column=None, known_at_column=None, repeated_splits=4)
    a = binary.train(frame, s, LightGBM)
    b = binary.train(frame, replace(s, name="b"), LinearModel)
    summary = a.metrics[protocols.REPEATED_EVALUATION]
    assert summary["splits"] == 4 and summary["auc_min"] <= summary["auc"] <= summary["auc_max"]
    assert summary["auc_sd"] >= 0
    rows = [r for r in a.evaluation if r["evaluation"] == protocols.REPEATED_EVALUATION]
    assert {r["fold"] for r in rows} == {"split_01", "split_02", "split_03", "split_04", "all"}
    assert b.metrics[protocols.REPEATED_EVALUATION]["splits"] == 4


def test_logit_blend_stores_as_json_and_its_contributions_add_up_in_log_odds() -> None:
    frame = dated_frame()
    s = spec(
        rolling_windows=0,
        params={**DEFAULT_PARAMS, "num_boost_round": 30, "blend_weight": 0.6},
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


# --- the comparison with a registered baseline ------------------------------------------------


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
    frame = dated_frame()
    s = spec(rolling_windows=3)
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


# --- campaign economics with uncertainty -------------------------------------------------------


def test_profit_band_brackets_the_profit_and_is_seeded() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(500) < 0.15).astype(int)
    prob = np.clip(0.15 + 0.5 * (y - 0.15) + rng.normal(0, 0.15, 500), 0, 1)
    thresholds = np.array([0.0, 0.2, 0.4, 0.6])
    band = objectives.profit_band(y, prob, thresholds, 3.0, 11.0, 200, seed=1)
    again = objectives.profit_band(y, prob, thresholds, 3.0, 11.0, 200, seed=1)
    np.testing.assert_array_equal(band["profit_low"], again["profit_low"])
    assert (band["profit_low"] <= band["profit"]).all()
    assert (band["profit"] <= band["profit_high"]).all()
    assert (np.diff(band["contacts"]) <= 0).all()  # a higher threshold contacts fewer
    exact = objectives.economics(y, prob, 0.4, 3.0, 11.0)
    assert band["profit"][2] == pytest.approx(exact["profit"])
    curve = objectives.profit_curve(3.0, 11.0, 50)(y, prob)["expected_profit"]
    assert len(curve) == len(objectives.PROFIT_CURVE_THRESHOLDS)
    assert {"threshold", "profit", "profit_low", "profit_high", "contacts"} <= set(curve[0])


def test_objective_rows_carry_the_band_when_asked() -> None:
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 1] * 10)
    prob = np.linspace(0.05, 0.95, 100)
    chosen = [{"objective": "cost_aware", "rule": "max_profit", "target_value": None}]
    rows = objectives.objective_rows(chosen, 3.0, 11.0, resamples=100)(y, prob)
    metrics = {r["metric"]: r["value"] for r in rows}
    assert metrics["profit_low"] <= metrics["profit"] <= metrics["profit_high"]
    plain = objectives.objective_rows(chosen, 3.0, 11.0)(y, prob)
    assert "profit_low" not in {r["metric"] for r in plain}


# --- registry frames ---------------------------------------------------------------------------


def test_an_empty_registry_frame_keeps_its_column_types() -> None:
    empty = records_frame([])  # noqa: F841  (read by DuckDB by name)
    described = {r[0]: r[1] for r in duckdb.sql("describe select * from empty").fetchall()}
    assert '"NULL"' not in described.values()
    assert described["out_of_sample"] == "VARCHAR" and described["model_version"] == "BIGINT"
