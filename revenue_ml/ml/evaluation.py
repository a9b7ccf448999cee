"""Classifier evaluation in one layout shared by every model.

Metrics are returned as long rows ``{"evaluation", "fold", "metric", "value"}`` so one table
(`model_evaluation`) holds cross-validation folds, holdouts and test splits of every model.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    brier_score_loss,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)

#: Metrics every binary evaluation reports, in this order.
BINARY_METRICS = (
    "rows",
    "positive_rate",
    "auc",
    "log_loss",
    "brier",
    "threshold",
    "precision",
    "recall",
    "f1",
    "accuracy",
    "true_positives",
    "false_positives",
    "true_negatives",
    "false_negatives",
)


def binary_metrics(y_true: np.ndarray, prob: np.ndarray, threshold: float) -> dict[str, float]:
    """Headline metrics of probabilities ``prob`` (shape (n,)) against 0/1 labels ``y_true``."""
    y_true = np.asarray(y_true, dtype=int)
    prob = np.clip(np.asarray(prob, dtype=float), 1e-15, 1 - 1e-15)
    pred = (prob >= threshold).astype(int)
    tn, fp, fn, tp = confusion_matrix(y_true, pred, labels=[0, 1]).ravel()
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, pred, average="binary", zero_division=0
    )
    both_classes = len(np.unique(y_true)) == 2
    return {
        "rows": float(len(y_true)),
        "positive_rate": float(y_true.mean()) if len(y_true) else float("nan"),
        "auc": float(roc_auc_score(y_true, prob)) if both_classes else float("nan"),
        "log_loss": float(log_loss(y_true, prob, labels=[0, 1])),
        "brier": float(brier_score_loss(y_true, prob)),
        "threshold": float(threshold),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "accuracy": float((pred == y_true).mean()),
        "true_positives": float(tp),
        "false_positives": float(fp),
        "true_negatives": float(tn),
        "false_negatives": float(fn),
    }


def threshold_candidates(prob: np.ndarray) -> np.ndarray:
    """Distinct thresholds worth trying: the probabilities rounded *down* to 4 decimals, so
    each candidate still selects the rows whose probability produced it (rounding to nearest
    could put a threshold just above the very probabilities it came from)."""
    return np.unique(np.floor(np.asarray(prob, dtype=float) * 1e4) / 1e4)


def best_f1_threshold(y_true: np.ndarray, prob: np.ndarray) -> float:
    """Threshold in (0, 1) that maximises F1 (ties: the highest such threshold)."""
    y_true = np.asarray(y_true, dtype=int)
    prob = np.asarray(prob, dtype=float)
    candidates = threshold_candidates(prob)
    best, best_f1 = 0.5, -1.0
    positives = y_true.sum()
    for t in candidates:
        pred = prob >= t
        tp = np.sum(pred & (y_true == 1))
        denom = pred.sum() + positives
        f1 = 2 * tp / denom if denom else 0.0
        if f1 >= best_f1:
            best, best_f1 = float(t), f1
    return best


def roc_points(y_true: np.ndarray, prob: np.ndarray, max_points: int = 101) -> list[dict]:
    """Up to ``max_points`` points of the ROC curve: fpr, tpr and the threshold."""
    fpr, tpr, thr = roc_curve(np.asarray(y_true, dtype=int), np.asarray(prob, dtype=float))
    idx = np.unique(np.linspace(0, len(fpr) - 1, min(max_points, len(fpr))).round().astype(int))
    return [
        {"fpr": float(fpr[i]), "tpr": float(tpr[i]), "threshold": float(min(thr[i], 1.0))}
        for i in idx
    ]


def calibration_bins(y_true: np.ndarray, prob: np.ndarray, n_bins: int = 10) -> list[dict]:
    """Reliability table: per equal-width probability bin, mean predicted vs observed rate."""
    y_true = np.asarray(y_true, dtype=int)
    prob = np.asarray(prob, dtype=float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(prob, edges[1:-1]), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        mask = which == b
        if not mask.any():
            continue
        rows.append(
            {
                "bin": b,
                "bin_lower": float(edges[b]),
                "bin_upper": float(edges[b + 1]),
                "rows": int(mask.sum()),
                "mean_predicted": float(prob[mask].mean()),
                "observed_rate": float(y_true[mask].mean()),
            }
        )
    return rows


def expected_calibration_error(y_true: np.ndarray, prob: np.ndarray, n_bins: int = 10) -> float:
    """Mean |observed rate - mean predicted| over the equal-width bins of
    :func:`calibration_bins`, weighted by the bins' rows (0 = perfectly calibrated)."""
    bins = calibration_bins(y_true, prob, n_bins)
    rows = sum(b["rows"] for b in bins)
    if not rows:
        return float("nan")
    return float(
        sum(b["rows"] * abs(b["observed_rate"] - b["mean_predicted"]) for b in bins) / rows
    )


def metric_rows(evaluation: str, fold: str, metrics: dict[str, float]) -> list[dict]:
    """Long rows for the shared evaluation table."""
    return [
        {"evaluation": evaluation, "fold": fold, "metric": name, "value": metrics[name]}
        for name in BINARY_METRICS
        if name in metrics
    ]
