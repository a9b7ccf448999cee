"""Business objectives of a contact list (revenue_ml.ml.objectives): thresholds, their
economics and the bootstrap band of the profit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from revenue_ml.ml import objectives

Y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])


P = np.array([0.9, 0.8, 0.6, 0.2, 0.7, 0.5, 0.3, 0.15, 0.1, 0.05])


def test_economics_arithmetic() -> None:
    out = objectives.economics(Y, P, 0.5, cost_per_contact=3.0, revenue_per_responder=11.0)
    # Contacted: 0.9 0.8 0.6 0.7 0.5 -> 5 contacts, 3 responders.
    assert out["contacts"] == 5 and out["responders"] == 3
    assert out["cost"] == 15.0 and out["revenue"] == 33.0 and out["profit"] == 18.0
    assert out["recall"] == 0.75 and out["precision"] == 0.6
    assert out["customers"] == 10  # the rows the economics were measured on


def test_min_recall_threshold_is_the_highest_reaching_the_target() -> None:
    assert objectives.min_recall_threshold(Y, P, 0.75) == 0.6
    assert objectives.min_recall_threshold(Y, P, 1.0) == 0.2
    aggressive = objectives.min_recall_threshold(Y, P, 0.9)
    moderate = objectives.min_recall_threshold(Y, P, 0.7)
    assert aggressive <= moderate


def test_max_profit_threshold_is_the_break_even_probability() -> None:
    # a contact earns p * 11 - 3 in expectation: worth it above 3 / 11
    assert objectives.max_profit_threshold(3.0, 11.0) == 3.0 / 11.0
    assert objectives.max_profit_threshold(8.0, 11.0) == 8.0 / 11.0
    with pytest.raises(ValueError):
        objectives.max_profit_threshold(3.0, 0.0)


def test_max_profit_plans_the_most_expected_profit_of_any_threshold() -> None:
    # the plan's expected profit, sum over contacted of p * revenue - cost, at the break-even
    # threshold beats every other threshold on the same probabilities
    rng = np.random.default_rng(0)
    prob = rng.beta(1.2, 5.0, size=2_000)

    def planned(t: float) -> float:
        contacted = prob >= t
        return float((prob[contacted] * 11.0 - 3.0).sum())

    best = planned(objectives.max_profit_threshold(3.0, 11.0))
    assert all(best >= planned(t) - 1e-9 for t in np.linspace(0, 1, 201))


def test_objective_rows_follow_the_seed() -> None:
    seed = pd.DataFrame(
        {
            "objective": ["moderate", "aggressive", "cost_aware"],
            "display_order": [2, 1, 3],
            "rule": ["min_recall", "min_recall", "max_profit"],
            "target_value": [0.7, 0.9, None],
            "description": ["", "", ""],
        }
    )
    chosen = objectives.objectives_from_seed(seed)
    assert [o["objective"] for o in chosen] == ["aggressive", "moderate", "cost_aware"]
    rows = objectives.objective_rows(chosen, 3.0, 11.0)(Y, P)
    value = {(r["fold"], r["metric"]): r["value"] for r in rows}
    assert value[("aggressive", "threshold")] == 0.2
    # cost_aware contacts above the break-even probability 3/11: 6 rows, 3 responders, so
    # 3 * 11 - 6 * 3 = 15 (profit = responders x revenue - contacts x cost)
    assert value[("cost_aware", "threshold")] == 3.0 / 11.0
    contacted = P >= 3.0 / 11.0
    expected = float((contacted & (Y == 1)).sum() * 11 - contacted.sum() * 3)
    assert value[("cost_aware", "profit")] == expected == 15.0
    assert value[("moderate", "threshold")] == 0.6
    with pytest.raises(ValueError, match="unknown rule"):
        objectives.objectives_from_seed(seed.assign(rule="max_magic"))


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
