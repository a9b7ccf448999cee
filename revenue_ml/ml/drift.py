"""Feature drift between a model's training data and a scoring batch.

A reference profile is computed once, at training time, and stored with the registered model
(JSON), so any later batch can be compared with the data the model actually learned from.
Numeric features: KS statistic against a stored sample and PSI over training-decile bins.
Categorical features: PSI over category shares (KS does not apply).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

_EPS = 1e-4
#: Rows of a numeric feature kept in the reference sample (for the KS statistic).
SAMPLE_SIZE = 2000


def reference_profile(
    frame: pd.DataFrame, numeric: list[str], categorical: list[str], seed: int = 0
) -> dict:
    """Summarise training features: decile edges, bin shares and a sample per numeric feature,
    category shares per categorical feature."""
    rng = np.random.default_rng(seed)
    profile: dict = {"numeric": {}, "categorical": {}, "rows": int(len(frame))}
    for col in numeric:
        values = pd.to_numeric(frame[col], errors="coerce").dropna().to_numpy(dtype=float)
        if len(values) == 0:
            continue
        edges = np.unique(np.quantile(values, np.linspace(0, 1, 11)))
        sample = (
            values if len(values) <= SAMPLE_SIZE else rng.choice(values, SAMPLE_SIZE, replace=False)
        )
        profile["numeric"][col] = {
            "edges": edges.tolist(),
            "shares": _bin_shares(values, edges).tolist(),
            "sample": np.sort(sample).tolist(),
            # exact and independent of row order (fsum): the average reasons compare with
            "mean": math.fsum(values.tolist()) / len(values),
            "missing_share": float(frame[col].isna().mean()),
        }
    for col in categorical:
        shares = frame[col].astype("object").fillna("<missing>").value_counts(normalize=True)
        profile["categorical"][col] = {str(k): float(v) for k, v in shares.sort_index().items()}
    return profile


def _bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    inner = edges[1:-1]
    idx = np.searchsorted(inner, values, side="right")
    counts = np.bincount(idx, minlength=len(edges) - 1 if len(edges) > 1 else 1)
    return counts / max(len(values), 1)


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of two share vectors (same bins)."""
    e = np.clip(np.asarray(expected, dtype=float), _EPS, None)
    a = np.clip(np.asarray(actual, dtype=float), _EPS, None)
    return float(np.sum((a - e) * np.log(a / e)))


def drift_rows(
    profile: dict,
    batch: pd.DataFrame,
    ks_threshold: float = 0.2,
    psi_threshold: float = 0.25,
) -> list[dict]:
    """One row per profiled feature: KS statistic (numeric), PSI and a drift flag."""
    rows = []
    for col, ref in profile["numeric"].items():
        values = pd.to_numeric(batch[col], errors="coerce").dropna().to_numpy(dtype=float)
        if len(values) == 0:
            ks, value = float("nan"), float("nan")
        else:
            ks = float(ks_2samp(np.asarray(ref["sample"]), values).statistic)
            edges = np.asarray(ref["edges"])
            value = (
                psi(np.asarray(ref["shares"]), _bin_shares(values, edges))
                if len(edges) > 1
                else 0.0
            )
        rows.append(_row(col, "numeric", ks, value, len(values), ks_threshold, psi_threshold))
    for col, ref in profile["categorical"].items():
        shares = batch[col].astype("object").fillna("<missing>").value_counts(normalize=True)
        cats = sorted(set(ref) | {str(k) for k in shares.index})
        expected = np.array([ref.get(c, 0.0) for c in cats])
        actual = np.array([float(shares.get(c, 0.0)) for c in cats])
        value = psi(expected, actual) if len(batch) else float("nan")
        rows.append(
            _row(col, "categorical", float("nan"), value, len(batch), ks_threshold, psi_threshold)
        )
    return rows


def _row(feature, kind, ks, value, n, ks_threshold, psi_threshold) -> dict:
    drifted = (not np.isnan(ks) and ks > ks_threshold) or (
        not np.isnan(value) and value > psi_threshold
    )
    return {
        "feature": feature,
        "feature_kind": kind,
        "ks_statistic": ks,
        "psi": value,
        "batch_rows": int(n),
        "ks_threshold": ks_threshold,
        "psi_threshold": psi_threshold,
        "is_drifted": bool(drifted),
    }


#: Column types of every ``*_feature_drift`` mart (also when the batch is empty).
DRIFT_COLUMNS = {
    "model_name": "string",
    "model_version": "int64",
    "reference_rows": "int64",
    "feature": "string",
    "feature_kind": "string",
    "ks_statistic": "float64",
    "psi": "float64",
    "batch_rows": "int64",
    "ks_threshold": "float64",
    "psi_threshold": "float64",
    "is_drifted": "bool",
}


def feature_drift(
    records: list[dict], batch: pd.DataFrame, ks_threshold: float, psi_threshold: float
) -> pd.DataFrame:
    """Drift of ``batch`` (the rows about to be scored) against the training data of each
    registered version in ``records`` (their stored reference profiles): one row per model and
    feature, typed as :data:`DRIFT_COLUMNS`; empty (still typed) when the batch is empty."""
    rows = []
    if len(batch):
        for record in records:
            profile = json.loads(record["reference_profile"])
            for row in drift_rows(profile, batch, ks_threshold, psi_threshold):
                rows.append(
                    {
                        "model_name": record["model_name"],
                        "model_version": int(record["model_version"]),
                        "reference_rows": profile["rows"],
                        **row,
                    }
                )
    return pd.DataFrame(rows, columns=list(DRIFT_COLUMNS)).astype(DRIFT_COLUMNS)
