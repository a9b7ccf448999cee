"""The evaluation protocols of the binary classifiers: which rows each fit may see, and what
it is scored on. :func:`revenue_ml.ml.binary.train` runs them in this order (its docstring
states the protocol); the search (:mod:`revenue_ml.ml.search`) and the landmark models
(:mod:`revenue_ml.ml.landmark`) reuse them.

- :func:`validate`: the labelled rows in key order, the start of every split (the same data in
  any file order gives the same folds, model and threshold);
- :func:`holdout`: the newest ``holdout_share`` of the rows (``time_holdout``), or a stratified
  ``test_share`` split (``test_split``), or none; :func:`fit_part` is the rest;
- :func:`cross_validate`: stratified k-fold out-of-fold probabilities of the fit part;
- :func:`rolling_origin`: windows over the newest rows in time order, each scored by a model
  fitted on the labels known before the window starts (:func:`rolling_windows`);
- :func:`repeated_splits`: repeated stratified splits of every labelled row;
- :func:`out_of_sample`: every labelled row's probability from a model that did not see it.

Every fit is single-threaded and seeded; independent fits (folds, windows, splits) may run in
parallel (:class:`revenue_ml.ml.runtime.Runtime`), which never changes a result. ``model`` is
a model family's class (:mod:`revenue_ml.ml.families`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit, train_test_split

from revenue_ml.ml import evaluation as ev
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.families import BinaryModel
from revenue_ml.ml.runtime import SERIAL, Runtime

if TYPE_CHECKING:  # the spec's module runs these protocols
    from revenue_ml.ml.binary import BinarySpec

#: Evaluation names of the optional protocols.
ROLLING_EVALUATION = "rolling_origin"
REPEATED_EVALUATION = "repeated_splits"


def in_key_order(frame: pd.DataFrame, key: str | list[str]) -> pd.DataFrame:
    """Rows sorted by the entity key (stable), index reset: the order every split starts from."""
    keys = [key] if isinstance(key, str) else list(key)
    return frame.sort_values(keys, kind="mergesort").reset_index(drop=True)


def validate(frame: pd.DataFrame, spec: BinarySpec) -> pd.DataFrame:
    """Return the labelled rows in key order, or raise :class:`ModelInputError` naming the
    model and the fix."""
    leaked = sorted(set(spec.features) & set(spec.forbidden))
    if leaked:
        raise ModelInputError(
            f"model {spec.name}: forbidden feature(s) {leaked} would leak the target. "
            f"Fix: remove them from the feature list."
        )
    missing = [c for c in spec.features + [spec.target, spec.key] if c not in frame.columns]
    if missing:
        raise ModelInputError(f"model {spec.name}: training data lacks column(s) {missing}.")
    labelled = frame[frame[spec.target].notna()]
    if len(labelled) < spec.min_rows:
        raise ModelInputError(
            f"model {spec.name}: only {len(labelled)} labelled rows (at least {spec.min_rows} "
            f"needed). Fix: supply more history or lower the model's min_rows."
        )
    classes = sorted(labelled[spec.target].astype(int).unique().tolist())
    if classes != [0, 1]:
        raise ModelInputError(
            f"model {spec.name}: the target '{spec.target}' has only class {classes} in "
            f"{len(labelled)} labelled rows; a classifier needs both 0 and 1. Fix: check the "
            f"source's labels (e.g. the status mapping) or the filters upstream."
        )
    per_class = labelled[spec.target].astype(int).value_counts().min()
    if per_class < spec.cv_folds:
        raise ModelInputError(
            f"model {spec.name}: the rarer class has {per_class} rows, fewer than the "
            f"{spec.cv_folds} cross-validation folds. Fix: supply more data."
        )
    if labelled[spec.key].duplicated().any():
        raise ModelInputError(f"model {spec.name}: the key '{spec.key}' is not unique.")
    return in_key_order(labelled, spec.key)


# --- The holdout -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Holdout:
    """Row positions (in key order) of the fit part and the held-out part."""

    name: str
    fit_idx: np.ndarray
    test_idx: np.ndarray


def holdout(labelled: pd.DataFrame, spec: BinarySpec) -> Holdout | None:
    """The spec's holdout on key-ordered labelled rows (None when it has none, or when either
    part would lack a class)."""
    y = labelled[spec.target].astype(int).to_numpy()
    if spec.time_column:
        times = pd.to_datetime(labelled[spec.time_column]).to_numpy()
        order = np.argsort(times, kind="stable")  # ties keep key order
        cut = int(round(len(order) * (1 - spec.holdout_share)))
        fit_idx, test_idx = np.sort(order[:cut]), np.sort(order[cut:])
        if len(np.unique(y[fit_idx])) == 2 and len(np.unique(y[test_idx])) == 2:
            return Holdout("time_holdout", fit_idx, test_idx)
        return None
    if spec.test_share:
        fit_idx, test_idx = train_test_split(
            np.arange(len(y)), test_size=spec.test_share, stratify=y, random_state=spec.seed
        )
        return Holdout("test_split", np.sort(fit_idx), np.sort(test_idx))
    return None


def fit_part(labelled: pd.DataFrame, spec: BinarySpec) -> pd.DataFrame:
    """The key-ordered labelled rows outside the holdout (all of them without one): the rows
    cross-validation, threshold choice and any hyper-parameter search may look at."""
    split = holdout(labelled, spec)
    if split is None:
        return labelled
    return labelled.iloc[split.fit_idx].reset_index(drop=True)


def times(labelled: pd.DataFrame, column: str) -> np.ndarray:
    """A date column as datetime64[ns]."""
    return pd.to_datetime(labelled[column]).to_numpy(dtype="datetime64[ns]")


def known_at(labelled: pd.DataFrame, spec: BinarySpec) -> np.ndarray:
    """When each row's label became known: ``known_at_column`` (missing values fall back to
    the time column), else the time column."""
    created = times(labelled, spec.time_column)
    if not spec.known_at_column:
        return created
    known = times(labelled, spec.known_at_column)
    return np.where(np.isnat(known), created, known)


def holdout_training_rows(labelled: pd.DataFrame, spec: BinarySpec, split: Holdout) -> np.ndarray:
    """The rows the holdout's model learns from: the fit part, and with a ``known_at_column``
    only the labels known when the holdout starts (a label that arrived later was not
    available then)."""
    train_idx = split.fit_idx
    if spec.time_column and spec.known_at_column:
        start = times(labelled, spec.time_column)[split.test_idx].min()
        train_idx = train_idx[known_at(labelled, spec)[train_idx] < start]
    return train_idx


# --- Cross-validation --------------------------------------------------------------------------


def cross_validate(
    x: pd.DataFrame,
    y: np.ndarray,
    spec: BinarySpec,
    model: type[BinaryModel],
    folds: int,
    runtime: Runtime = SERIAL,
) -> tuple[np.ndarray, list[dict]]:
    """Out-of-fold probabilities (n,) and one AUC row per fold, folds run by ``runtime``."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=spec.seed)
    splits = list(splitter.split(x, y))

    def run(args: tuple[int, tuple[np.ndarray, np.ndarray]]):
        i, (train_idx, test_idx) = args
        began = time.monotonic()
        fitted = model.fit(x.iloc[train_idx], y[train_idx], spec)
        prob = fitted.predict_proba(x.iloc[test_idx], spec)
        return i, test_idx, prob, time.monotonic() - began

    oof = np.zeros(len(y))
    rows = []
    for i, test_idx, prob, seconds in runtime.map(run, list(enumerate(splits))):
        oof[test_idx] = prob
        auc = ev.binary_metrics(y[test_idx], prob, 0.5)["auc"]
        runtime.log(f"{model.family} cv fold {i + 1}/{folds}: auc {auc:.4f} ({seconds:.2f} s)")
        rows.append(
            {"evaluation": f"cv_{folds}fold", "fold": str(i + 1), "metric": "auc", "value": auc}
        )
    return oof, rows


# --- Windows scored by earlier models (rolling origin, as-of backtest) --------------------------


@dataclass(frozen=True)
class Scored:
    """What one window produced: its fold name, labels, probabilities and training rows."""

    fold: str
    labels: np.ndarray
    probabilities: np.ndarray
    training_rows: int


@dataclass
class Windowed:
    """A windowed evaluation: its rows, pooled metrics (empty without a window), curves, and
    the pooled labels and probabilities in window order."""

    rows: list[dict]
    metrics: dict[str, float]
    curves: dict
    labels: np.ndarray
    probabilities: np.ndarray


def windowed_evaluation(
    name: str, windows: list[Scored], threshold: float, extra: dict[str, float] | None = None
) -> Windowed:
    """Per window: rows, training rows, positive rate, AUC and Brier score (fold = the window);
    pooled over the windows: :func:`revenue_ml.ml.evaluation.binary_metrics` at
    ``threshold``, the ``extra`` figures, the windows' AUC mean / sd / min, their number and
    the expected calibration error (fold ``all``), and the ROC and reliability curves."""
    rows: list[dict] = []
    aucs = []
    for w in windows:
        y_w, prob = w.labels, w.probabilities
        values = {
            "rows": float(len(y_w)),
            "training_rows": float(w.training_rows),
            "positive_rate": float(y_w.mean()) if len(y_w) else float("nan"),
            "auc": ev.binary_metrics(y_w, prob, threshold)["auc"],
            "brier": float(np.mean((prob - y_w) ** 2)),
        }
        if not np.isnan(values["auc"]):
            aucs.append(values["auc"])
        rows += [
            {"evaluation": name, "fold": w.fold, "metric": k, "value": v} for k, v in values.items()
        ]
    if not windows:
        return Windowed(rows, {}, {}, np.zeros(0, dtype=int), np.zeros(0))
    y_all = np.concatenate([w.labels for w in windows])
    p_all = np.concatenate([w.probabilities for w in windows])
    metrics = ev.binary_metrics(y_all, p_all, threshold)
    summary = {
        "windows": float(len(windows)),
        **(extra or {}),
        "auc_window_mean": float(np.mean(aucs)) if aucs else float("nan"),
        "auc_window_sd": float(np.std(aucs)) if aucs else float("nan"),
        "auc_window_min": float(np.min(aucs)) if aucs else float("nan"),
        "ece": ev.expected_calibration_error(y_all, p_all),
    }
    metrics.update(summary)
    rows += ev.metric_rows(name, "all", metrics)
    rows += [{"evaluation": name, "fold": "all", "metric": k, "value": metrics[k]} for k in summary]
    curves = {"roc": ev.roc_points(y_all, p_all), "calibration": ev.calibration_bins(y_all, p_all)}
    return Windowed(rows, metrics, curves, y_all, p_all)


@dataclass(frozen=True)
class Window:
    """One rolling-origin window: its origin, the rows it scores and the rows its model may
    learn from (labels known before the origin), as positions in key order."""

    origin: np.datetime64
    test_idx: np.ndarray
    train_idx: np.ndarray


def rolling_windows(labelled: pd.DataFrame, spec: BinarySpec) -> list[Window]:
    """The spec's rolling-origin windows on key-ordered labelled rows: the newest
    ``rolling_share`` of the rows, in time order, cut into ``rolling_windows`` windows of
    equal row count; each window's model learns from the labels known before its origin (at
    most the ``rolling_max_train_rows`` most recent). Windows whose training rows lack a class
    or ``min_rows`` are left out."""
    if not spec.rolling_windows or not spec.time_column:
        return []
    y = labelled[spec.target].astype(int).to_numpy()
    created, known = times(labelled, spec.time_column), known_at(labelled, spec)
    order = np.argsort(created, kind="stable")  # ties keep key order
    n = len(order)
    first = int(round(n * (1 - spec.rolling_share)))
    edges = [
        first + int(round((n - first) * k / spec.rolling_windows))
        for k in range(1 + spec.rolling_windows)
    ]
    windows = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if hi <= lo:
            continue
        test_idx = np.sort(order[lo:hi])
        origin = created[order[lo]]
        train_idx = np.flatnonzero(known < origin)
        cap = spec.rolling_max_train_rows
        if cap and len(train_idx) > cap:
            # the most recent labels (ties: key order), back in key order
            recent = np.argsort(known[train_idx], kind="stable")[-cap:]
            train_idx = np.sort(train_idx[recent])
        if len(train_idx) < spec.min_rows or len(np.unique(y[train_idx])) < 2:
            continue
        windows.append(Window(origin, test_idx, train_idx))
    return windows


def rolling_origin(
    labelled: pd.DataFrame,
    x: pd.DataFrame,
    y: np.ndarray,
    spec: BinarySpec,
    model: type[BinaryModel],
    threshold: float,
    runtime: Runtime = SERIAL,
) -> Windowed:
    """Rolling-origin evaluation (:func:`rolling_windows`, :func:`windowed_evaluation`): each
    window scored by a model fitted on the labels known before it, fold = the window's
    origin."""
    windows = rolling_windows(labelled, spec)

    def run(window: Window):
        fitted = model.fit(x.iloc[window.train_idx], y[window.train_idx], spec)
        return fitted.predict_proba(x.iloc[window.test_idx], spec)

    scored = [
        Scored(
            str(np.datetime_as_string(window.origin, unit="D")),
            y[window.test_idx],
            prob,
            len(window.train_idx),
        )
        for window, prob in zip(windows, runtime.map(run, windows), strict=True)
    ]
    result = windowed_evaluation(ROLLING_EVALUATION, scored, threshold)
    if scored:
        metrics = result.metrics
        runtime.log(
            f"{model.family} rolling origin ({len(windows)} windows): pooled auc "
            f"{metrics['auc']:.4f}, window mean {metrics['auc_window_mean']:.4f}, brier "
            f"{metrics['brier']:.4f}"
        )
    return result


# --- Repeated splits -----------------------------------------------------------------------------


def repeated_splits(
    x: pd.DataFrame,
    y: np.ndarray,
    spec: BinarySpec,
    model: type[BinaryModel],
    runtime: Runtime = SERIAL,
) -> tuple[list[dict], dict[str, float]]:
    """``repeated_splits`` stratified ``test_share`` (default 20%) splits of all labelled rows
    with seeds ``seed``, ``seed + 1``, ...: fold ``split_NN`` rows hold each split's AUC and
    Brier score, fold ``all`` their mean (``auc``) and spread (``auc_sd``, min, max). Returns
    the evaluation rows and that summary."""
    share = spec.test_share or 0.2
    splits = []
    for r in range(spec.repeated_splits):
        splitter = StratifiedShuffleSplit(n_splits=1, test_size=share, random_state=spec.seed + r)
        splits.append(next(splitter.split(np.zeros(len(y)), y)))

    def run(split: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        train_idx, test_idx = split
        fitted = model.fit(x.iloc[train_idx], y[train_idx], spec)
        return fitted.predict_proba(x.iloc[test_idx], spec)

    name = REPEATED_EVALUATION
    rows, aucs, briers = [], [], []
    for r, ((_, test_idx), prob) in enumerate(zip(splits, runtime.map(run, splits), strict=True)):
        auc = ev.binary_metrics(y[test_idx], prob, 0.5)["auc"]
        brier = float(np.mean((prob - y[test_idx]) ** 2))
        aucs.append(auc)
        briers.append(brier)
        fold = f"split_{r + 1:02d}"
        rows += [
            {"evaluation": name, "fold": fold, "metric": "auc", "value": auc},
            {"evaluation": name, "fold": fold, "metric": "brier", "value": brier},
        ]
    summary = {
        "splits": float(len(aucs)),
        "test_share": float(share),
        "auc": float(np.mean(aucs)),
        "auc_sd": float(np.std(aucs, ddof=1)) if len(aucs) > 1 else 0.0,
        "auc_min": float(np.min(aucs)),
        "auc_max": float(np.max(aucs)),
        "brier": float(np.mean(briers)),
    }
    rows += [
        {"evaluation": name, "fold": "all", "metric": k, "value": v} for k, v in summary.items()
    ]
    runtime.log(
        f"{model.family} {len(aucs)} repeated splits: auc {summary['auc']:.4f} "
        f"(sd {summary['auc_sd']:.4f}, {summary['auc_min']:.4f}-{summary['auc_max']:.4f})"
    )
    return rows, summary


# --- Out-of-sample probabilities -----------------------------------------------------------------


def out_of_sample(parts: list[dict]) -> dict:
    """Every labelled row's probability from a model that did not see it: out-of-fold for the
    fit part (cross-validation), the fit part's model for the held-out part. Stored with the
    registered version so that decision lists never show a training row's in-sample score:
    ``{"key": [...], "probability": [...], "evaluation": [...]}`` in key order."""
    keys = np.concatenate([np.asarray(p["key"], dtype=object) for p in parts])
    prob = np.concatenate([np.asarray(p["probability"], dtype=float) for p in parts])
    names = np.concatenate([np.full(len(p["key"]), p["evaluation"], dtype=object) for p in parts])
    order = np.argsort(keys.astype(str), kind="mergesort")
    return {
        "key": [str(k) for k in keys[order]],
        "probability": [float(v) for v in prob[order]],
        "evaluation": [str(n) for n in names[order]],
    }
