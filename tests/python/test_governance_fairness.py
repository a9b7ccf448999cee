"""revenue_ml.governance.fairness against figures worked out by hand (docs/governance.md)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from revenue_ml.governance import fairness
from revenue_ml.ml.errors import ModelInputError

NOW = datetime(2026, 1, 2, 3, 4, 5)

ATTRIBUTES = pd.DataFrame(
    {
        "domain": ["churn", "campaign", "enrollment"],
        "slice_attribute": ["plan", "band", "site"],
        "business_label": ["plan", "age band", "site"],
        "entity_label": ["customers", "customers", "classes"],
        "is_sensitive": ["false", "true", "false"],
        "groups": ["-", "-", "-"],
    }
)


def rows(
    groups: dict[str, tuple[list[int], list[float]]],
    *,
    domain: str = "churn",
    attribute: str = "plan",
    threshold: float = 0.5,
    context: str = "all",
) -> pd.DataFrame:
    """Per-row input as int_governance__slice_rows writes it: {group: (labels, probabilities)}."""
    out = []
    for group, (labels, probabilities) in groups.items():
        for i, (label, probability) in enumerate(zip(labels, probabilities, strict=True)):
            out.append(
                {
                    "model_version_id": "m@v1",
                    "model_name": "m",
                    "model_version": 1,
                    "domain": domain,
                    "decision_context": context,
                    "entity_id": f"{group}{i}",
                    "slice_attribute": attribute,
                    "entity_group": group,
                    "group_order": 1,
                    "label": label,
                    "probability": probability,
                    "threshold": threshold,
                    "predicted_label": int(probability >= threshold),
                    "evaluation": "cv_5fold" if i % 2 else "test_split",
                }
            )
    return pd.DataFrame(out)


NO_SITES = pd.DataFrame(columns=list(fairness.SITE_COLUMNS))

# Group A: labels 1 1 0 0, probabilities .9 .4 .6 .1 (selected at 0.5: .9 and .6).
# Group B: labels 1 0 0 0, probabilities .8 .7 .2 .3 (selected: .8 and .7).
HAND = {
    "A": ([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1]),
    "B": ([1, 0, 0, 0], [0.8, 0.7, 0.2, 0.3]),
}


def test_slice_metrics_match_a_hand_computation() -> None:
    table = fairness.slice_metrics(rows(HAND), NO_SITES, ATTRIBUTES, min_group_size=1, now=NOW)
    by_group = table.set_index("slice_group")
    a, b, overall = by_group.loc["A"], by_group.loc["B"], by_group.loc["all customers"]
    # A: positives (.9, .4) against negatives (.6, .1): 3 of 4 pairs ranked right
    assert a["auc"] == pytest.approx(0.75)
    assert a["selection_rate"] == pytest.approx(0.5)
    assert a["precision"] == pytest.approx(0.5)  # .9 right, .6 wrong
    assert a["recall"] == pytest.approx(0.5)  # .9 found, .4 missed
    assert a["brier"] == pytest.approx((0.01 + 0.36 + 0.36 + 0.01) / 4)
    # B: the one positive (.8) above every negative
    assert b["auc"] == pytest.approx(1.0)
    assert b["recall"] == pytest.approx(1.0)
    assert b["brier"] == pytest.approx((0.04 + 0.49 + 0.04 + 0.09) / 4)
    # overall: 13 of the 15 positive-negative pairs ranked right
    assert overall["auc"] == pytest.approx(13 / 15)
    assert overall["row_count"] == 8 and overall["positives"] == 3
    assert overall["recall"] == pytest.approx(2 / 3)
    assert bool(overall["is_overall"])
    # gaps are group minus overall; worse_by is how far the AUC is below overall
    assert a["auc_gap"] == pytest.approx(0.75 - 13 / 15)
    assert a["worse_by"] == pytest.approx(13 / 15 - 0.75)
    assert b["worse_by"] == pytest.approx(13 / 15 - 1.0)
    assert a["protocol"] == "cv_5fold + test_split"
    assert list(table["computed_at"].unique()) == [pd.Timestamp(NOW)]


def test_small_groups_are_flagged_and_a_one_outcome_group_has_no_auc() -> None:
    data = {**HAND, "C": ([0, 0], [0.2, 0.6])}
    table = fairness.slice_metrics(rows(data), NO_SITES, ATTRIBUTES, min_group_size=3)
    by_group = table.set_index("slice_group")
    assert not by_group.loc["A", "is_small_group"]
    assert by_group.loc["C", "is_small_group"]
    assert "fewer than 3 customers" in by_group.loc["C", "note"]
    assert "no AUC" in by_group.loc["C", "note"]
    assert pd.isna(by_group.loc["C", "auc"])
    assert by_group.loc["C", "min_group_size"] == 3


def test_forecast_slices_compare_each_site_with_the_overall_wape() -> None:
    sites = pd.DataFrame(
        {
            "model_version_id": ["f@v2", "f@v2"],
            "model_name": ["f", "f"],
            "model_version": [2, 2],
            "domain": ["enrollment", "enrollment"],
            "slice_attribute": ["site", "site"],
            "slice_group": ["at North", "at South"],
            "evaluation": ["backtest_ensemble"] * 2,
            "classes": [40, 12],
            "wape": [0.30, 0.55],
            "overall_classes": [52, 52],
            "overall_wape": [0.36, 0.36],
        }
    )
    empty = rows(HAND).iloc[0:0]
    table = fairness.slice_metrics(empty, sites, ATTRIBUTES, min_group_size=30).set_index(
        "slice_group"
    )
    assert table.loc["at South", "wape_gap"] == pytest.approx(0.19)
    assert table.loc["at South", "worse_by"] == pytest.approx(0.19)
    assert table.loc["at North", "worse_by"] == pytest.approx(-0.06)
    assert table.loc["at South", "is_small_group"] and not table.loc["at North", "is_small_group"]
    assert table.loc["all classes", "wape"] == pytest.approx(0.36)
    assert set(table["primary_metric"]) == {"wape"}


# C: labels 1 1 0 0 0, selected 1 1 1 0 0 (rate .6, TPR 1, FPR 1/3)
# D: labels 1 1 0 0 0, selected 1 0 0 0 0 (rate .2, TPR .5, FPR 0)
# E: two rows, both selected: a small group that would double the gap if it counted
DISPARITY = {
    "C": ([1, 1, 0, 0, 0], [0.8, 0.8, 0.8, 0.2, 0.2]),
    "D": ([1, 1, 0, 0, 0], [0.8, 0.2, 0.2, 0.2, 0.2]),
    "E": ([1, 0], [0.8, 0.8]),
}


def test_disparities_match_a_hand_computation_and_leave_small_groups_out() -> None:
    data = rows(DISPARITY, domain="campaign", attribute="band", context="balanced")
    table = fairness.disparities(data, ATTRIBUTES, min_group_size=3, now=NOW)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["demographic_parity_difference"] == pytest.approx(0.6 - 0.2)
    assert row["true_positive_rate_difference"] == pytest.approx(0.5)
    assert row["false_positive_rate_difference"] == pytest.approx(1 / 3)
    assert row["equalized_odds_difference"] == pytest.approx(0.5)
    assert row["groups_compared"] == 2 and row["rows_compared"] == 10
    assert row["small_groups"] == 1 and row["small_group_labels"] == "E (2 customers)"
    assert row["lowest_selection_group"] == "D" and row["highest_selection_group"] == "C"
    assert row["fewest_outcomes"] == 2
    assert row["decision_context"] == "balanced"
    # counted, E (selection rate 1.0) would make the gap 0.8
    counted = fairness.disparities(data, ATTRIBUTES, min_group_size=1)
    assert counted.iloc[0]["demographic_parity_difference"] == pytest.approx(0.8)


def test_disparities_cover_sensitive_attributes_only_and_need_two_groups() -> None:
    business = rows(DISPARITY)  # churn's plan: not sensitive
    assert fairness.disparities(business, ATTRIBUTES, min_group_size=3).empty
    lonely = rows({"C": DISPARITY["C"], "E": DISPARITY["E"]}, domain="campaign", attribute="band")
    row = fairness.disparities(lonely, ATTRIBUTES, min_group_size=3).iloc[0]
    assert pd.isna(row["demographic_parity_difference"])
    assert "fewer than two groups of at least 3 customers" in row["note"]


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ModelInputError, match="fairness_min_group_size"):
        fairness.slice_metrics(rows(HAND), NO_SITES, ATTRIBUTES, min_group_size=0)
    with pytest.raises(ModelInputError, match="int_governance__slice_rows.*entity_group"):
        fairness.slice_metrics(
            rows(HAND).drop(columns="entity_group"), NO_SITES, ATTRIBUTES, min_group_size=1
        )


class FakeRelation:
    """What ``dbt.ref`` returns, reduced to ``filter`` (DuckDB relation, Spark DataFrame)."""

    def __init__(self) -> None:
        self.filters: list[str] = []

    def filter(self, condition: str) -> FakeRelation:
        self.filters.append(condition)
        return self


def test_versions_already_computed_are_filtered_out() -> None:
    relation = FakeRelation()
    assert fairness.not_yet_computed(relation, []) is relation and not relation.filters
    fairness.not_yet_computed(relation, ["b@v1", "o'k@v2"])
    assert relation.filters == ["model_version_id not in ('b@v1', 'o''k@v2')"]
    assert fairness.computed_versions(pd.DataFrame({"model_version_id": ["x@v1", "x@v1"]})) == [
        "x@v1"
    ]
    assert fairness.sensitive_attributes(ATTRIBUTES) == ["band"]


def test_row_order_changes_no_figure_to_the_last_bit() -> None:
    rng = np.random.default_rng(5)
    data = {
        g: (list(rng.integers(0, 2, 400)), list(rng.random(400).round(17))) for g in ("A", "B", "C")
    }
    base = rows(data, domain="campaign", attribute="band")
    shuffled = base.sample(frac=1.0, random_state=11)
    for compute in (
        lambda r: fairness.slice_metrics(r, NO_SITES, ATTRIBUTES, min_group_size=1, now=NOW),
        lambda r: fairness.disparities(r, ATTRIBUTES, min_group_size=1, now=NOW),
    ):
        pd.testing.assert_frame_equal(compute(base), compute(shuffled), check_exact=True)


def test_a_full_recompute_needs_a_fresh_list_of_versions():
    """A first or full build of the slices reads the rows of the pending versions only: a list
    of versions from an earlier build (some already computed) fails naming the command."""
    fresh = pd.DataFrame(
        {
            "model_version_id": ["churn_lightgbm@v1", "churn_lightgbm@v2"],
            "has_slice_metrics": [False, False],
        }
    )
    fairness.check_full_recompute(fresh, "has_slice_metrics", "model_slice_metrics")
    stale = fresh.assign(has_slice_metrics=[True, False])
    with pytest.raises(
        ModelInputError,
        match=(
            r"1 version\(s\).*churn_lightgbm@v1.*"
            r"--select int_governance__slice_versions model_slice_metrics model_fairness$"
        ),
    ):
        fairness.check_full_recompute(stale, "has_slice_metrics", "model_slice_metrics")


def test_group_metrics_equal_fairlearns_metric_frame_to_the_last_bit() -> None:
    """group_metrics is MetricFrame's by_group and overall without its per-row conversion:
    the same figures, bit for bit, on groups of uneven size, one with a single outcome."""
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_difference,
        equalized_odds_difference,
    )

    rng = np.random.default_rng(3)
    n = 3_000
    groups = rng.choice(np.array(["north", "south", "east", "tiny"]), n, p=[0.5, 0.3, 0.19, 0.01])
    probability = rng.random(n)
    y_true = (rng.random(n) < probability).astype(int)
    y_true[groups == "tiny"] = 0
    y_pred = (probability >= 0.4).astype(int)
    params = {"auc": {"probability": probability}, "brier": {"probability": probability}}
    frame = MetricFrame(
        metrics=fairness.METRIC_FUNCTIONS,
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
        sample_params=params,
    )
    by_group, overall = fairness.group_metrics(
        fairness.METRIC_FUNCTIONS, y_true, y_pred, groups, params
    )
    assert list(by_group.index) == list(frame.by_group.index) == ["east", "north", "south", "tiny"]
    for name in fairness.METRIC_FUNCTIONS:
        np.testing.assert_array_equal(
            by_group[name].to_numpy(dtype=float), frame.by_group[name].to_numpy(dtype=float)
        )
        assert float(overall[name]) == float(frame.overall[name]) or (
            np.isnan(float(overall[name])) and np.isnan(float(frame.overall[name]))
        )
    assert np.isnan(by_group.loc["tiny", "auc"])

    # the disparity summaries equal Fairlearn's own functions on the compared groups
    data = pd.DataFrame(
        {
            "model_version_id": "m@v1",
            "model_name": "m",
            "model_version": 1,
            "domain": "campaign",
            "decision_context": "all",
            "entity_id": [f"c{i:05d}" for i in range(n)],
            "slice_attribute": "band",
            "entity_group": groups,
            "group_order": 1,
            "label": y_true,
            "probability": probability,
            "threshold": 0.4,
            "predicted_label": y_pred,
            "evaluation": "cv_5fold",
        }
    )
    row = fairness.disparities(data, ATTRIBUTES, min_group_size=1, now=NOW).iloc[0]
    assert row["demographic_parity_difference"] == demographic_parity_difference(
        y_true, y_pred, sensitive_features=groups
    )
    both = groups != "tiny"  # one outcome only: left out of the equalized odds
    assert row["equalized_odds_difference"] == equalized_odds_difference(
        y_true[both], y_pred[both], sensitive_features=groups[both]
    )
