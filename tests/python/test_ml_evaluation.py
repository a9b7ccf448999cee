"""Metrics (revenue_ml.ml.evaluation) against sklearn, and the drift check
(revenue_ml.ml.drift)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from revenue_ml.ml import drift, evaluation


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
