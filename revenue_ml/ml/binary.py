"""Binary classifiers: LightGBM, a logistic-regression baseline and a random forest, trained,
evaluated and scored the same way for every domain.

Input is one row per entity (a mart), never raw rows. Rows are put in key order before any
split, so the same data in any file order gives the same folds, model and threshold.

Evaluation protocol (one for every model):

1. A holdout is set aside first: the newest ``holdout_share`` of the rows when the spec names
   a ``time_column`` (``time_holdout``), else a stratified ``test_share`` split when the spec
   asks for one (``test_split``), else none.
2. Stratified k-fold cross-validation on the remaining rows (the *fit part*): its out-of-fold
   probabilities give the CV metrics and the F1-optimal decision threshold. The holdout rows
   never influence the threshold, so the holdout figures are unbiased.
3. A model fitted on the fit part is scored on the holdout at that threshold.
4. The final model is refit on all labelled rows with the same parameters and seed.

Two further protocols, when a spec asks for them (each reported as its own evaluation):

- ``rolling_origin`` (``rolling_windows`` > 0 and a ``time_column``): the newest
  ``rolling_share`` of the labelled rows, in time order, is cut into ``rolling_windows``
  windows of equal row count; for each window a model is fitted on the rows whose label was
  known before the window starts (``known_at_column``, else the time column) and scores the
  window. The pooled out-of-time scores give the time-ordered metrics, reliability curve and
  expected calibration error; each window's AUC is a fold row (fold = the window's origin).
- ``repeated_splits`` (> 0): that many stratified ``test_share`` (default 20%) splits of all
  labelled rows with seeds ``seed``, ``seed + 1``, ...; fold ``split_NN`` rows hold each split's
  AUC and Brier score, fold ``all`` their mean (``auc``) and spread (``auc_sd``, min, max).

With a ``known_at_column`` the time holdout's model, too, is fitted only on the rows whose
label was known before the holdout starts (a label that arrived later was not available then).

Every fit is single-threaded and seeded; independent fits (folds) may run in parallel
(:class:`revenue_ml.ml.runtime.Runtime`), which never changes a result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit, train_test_split

from revenue_ml.ml import evaluation as ev
from revenue_ml.ml import paths
from revenue_ml.ml.blend import BlendMember, LogitBlend
from revenue_ml.ml.drift import reference_profile
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.forest import FOREST_JSON, ForestModel
from revenue_ml.ml.portable import (
    LIGHTGBM_TEXT,
    LINEAR_JSON,
    LOGIT_BLEND_JSON,
    LinearModel,
    booster_to_text,
    prepare_features,
)
from revenue_ml.ml.runtime import SERIAL, Runtime

LIGHTGBM = "lightgbm"
LOGISTIC = "logistic_regression"
RANDOM_FOREST = "random_forest"
#: LightGBM and a logistic regression on the same features, averaged in log-odds space with
#: weights ``blend_weight`` (LightGBM) and ``1 - blend_weight`` (stored as a LogitBlend).
LOGIT_BLEND = "lightgbm_logistic_blend"
#: Solver of every logistic regression (recorded in the registered parameters).
LOGISTIC_SOLVER = "newton-cholesky"
#: Keys of a spec's ``params`` that configure the blend or the logistic model, not LightGBM.
NON_LIGHTGBM_PARAMS = ("blend_weight", "logistic_c")

#: Hyper-parameters of sklearn's RandomForestClassifier a spec's ``params`` may set for the
#: random-forest family (others, e.g. LightGBM's, are ignored by it).
RF_PARAM_NAMES = (
    "n_estimators",
    "max_depth",
    "min_samples_leaf",
    "min_samples_split",
    "max_features",
    "criterion",
    "max_samples",
)
DEFAULT_RF_PARAMS = {"n_estimators": 200, "min_samples_leaf": 1, "max_features": "sqrt"}
#: Bootstrap rows per tree of the random forest, at most: on small data (every public dataset)
#: a tree sees a full bootstrap sample as sklearn's default; on large data each tree sees this
#: many rows, so a forest's cost stops growing with the data (scale 10: 33k churn customers).
RF_MAX_SAMPLES = 10_000
#: Rows used for the mean |contribution| per feature (a seeded sample on large data).
IMPORTANCE_SAMPLE = 500

DEFAULT_LGB_PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "lambda_l2": 1.0,
    "num_boost_round": 200,
}


@dataclass
class BinarySpec:
    """What to train: features, target and evaluation protocol of one model."""

    name: str
    domain: str
    variant: str
    key: str
    target: str
    numeric: list[str]
    categorical: list[str] = field(default_factory=list)
    forbidden: frozenset[str] = frozenset()
    time_column: str | None = None
    holdout_share: float = 0.2
    test_share: float | None = None
    cv_folds: int = 10
    seed: int = 42
    min_rows: int = 50
    params: dict = field(default_factory=lambda: dict(DEFAULT_LGB_PARAMS))
    class_weight: str | None = None
    #: Column holding when each row's label became known (e.g. an offer's close date): rows
    #: whose label was known only after a window's origin never train that window's model.
    known_at_column: str | None = None
    #: Rolling-origin evaluation: number of windows (0 = none) and share of the newest rows
    #: they cover.
    rolling_windows: int = 0
    rolling_share: float = 0.5
    #: A window's model learns from at most this many of the most recent labels known before
    #: its origin (None = all): bounds the rolling origin's cost on large data.
    rolling_max_train_rows: int | None = None
    #: Repeated stratified splits evaluation: number of splits (0 = none).
    repeated_splits: int = 0

    @property
    def features(self) -> list[str]:
        return list(self.numeric) + list(self.categorical)

    @property
    def cv_name(self) -> str:
        return f"cv_{self.cv_folds}fold"


@dataclass
class TrainedBinary:
    """A fitted model with everything the registry stores about it."""

    family: str
    model: lgb.Booster | LinearModel | ForestModel
    model_format: str
    model_text: str
    threshold: float
    metrics: dict[str, dict[str, float]]
    evaluation: list[dict]
    curves: dict
    feature_importance: list[dict]
    reference_profile: dict
    training_rows: int
    params: dict
    #: Out-of-fold probabilities of the fit part's rows and their labels (cross-validation).
    oof: np.ndarray | None = None
    oof_target: np.ndarray | None = None
    #: Keys of those rows, in the same order.
    oof_keys: np.ndarray | None = None
    #: Name of the cross-validation evaluation (``cv_<folds>fold``, folds actually used).
    cv_name: str = ""
    #: Every labelled row's out-of-sample probability (see :func:`out_of_sample`).
    out_of_sample: dict | None = None


@dataclass(frozen=True)
class Holdout:
    """Row positions (in key order) of the fit part and the held-out part."""

    name: str
    fit_idx: np.ndarray
    test_idx: np.ndarray


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


def prepare(frame: pd.DataFrame, spec: BinarySpec) -> pd.DataFrame:
    """The spec's features as LightGBM wants them (``portable.prepare_features``)."""
    return prepare_features(frame, spec.numeric, spec.categorical)


def lgb_params(spec: BinarySpec, y: np.ndarray) -> tuple[dict, int]:
    """LightGBM parameters (seeded, deterministic, one thread) and boosting rounds."""
    skip = ("num_boost_round", *NON_LIGHTGBM_PARAMS)
    params = {k: v for k, v in spec.params.items() if k not in skip}
    params.update(
        {
            "seed": spec.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": 1,
            "verbosity": -1,
        }
    )
    if spec.class_weight == "balanced":
        params["scale_pos_weight"] = float((y == 0).sum() / max((y == 1).sum(), 1))
    return params, int(spec.params.get("num_boost_round", 200))


def fit(frame: pd.DataFrame, y: np.ndarray, spec: BinarySpec, family: str):
    """Fit one model on prepared rows ``frame`` (n, n_features) and labels ``y`` (n,)."""
    if family == LIGHTGBM:
        params, rounds = lgb_params(spec, y)
        data = lgb.Dataset(
            frame, label=y, categorical_feature=spec.categorical or "auto", free_raw_data=False
        )
        return lgb.train(params, data, num_boost_round=rounds)
    if family == LOGISTIC:
        return _fit_logistic(frame, y, spec)
    if family == RANDOM_FOREST:
        return _fit_forest(frame, y, spec)
    if family == LOGIT_BLEND:
        return _fit_blend(frame, y, spec)
    raise ValueError(f"unknown model family {family!r}")


def blend_weight(spec: BinarySpec) -> float:
    """Weight of the LightGBM member of a blend (the logistic member gets the rest)."""
    weight = float(spec.params.get("blend_weight", 0.5))
    if not 0.0 <= weight <= 1.0:
        raise ModelInputError(f"model {spec.name}: blend_weight must be in [0, 1], got {weight}.")
    return weight


def _fit_blend(frame: pd.DataFrame, y: np.ndarray, spec: BinarySpec) -> LogitBlend:
    booster = fit(frame, y, spec, LIGHTGBM)
    linear = _fit_logistic(frame, y, spec)
    weight = blend_weight(spec)
    return LogitBlend(
        [
            BlendMember(LIGHTGBM_TEXT, booster_to_text(booster), weight),
            BlendMember(LINEAR_JSON, linear.to_text(), 1.0 - weight),
        ]
    )


def _fit_logistic(frame: pd.DataFrame, y: np.ndarray, spec: BinarySpec) -> LinearModel:
    impute = {c: float(np.nan_to_num(frame[c].median(), nan=0.0)) for c in spec.numeric}
    filled = {c: frame[c].fillna(impute[c]) for c in spec.numeric}
    mean = {c: float(filled[c].mean()) for c in spec.numeric}
    scale = {c: float(filled[c].std(ddof=0)) or 1.0 for c in spec.numeric}
    categories = {
        c: sorted(str(v) for v in frame[c].dropna().astype(str).unique()) for c in spec.categorical
    }
    model = LinearModel(
        list(spec.numeric), list(spec.categorical), impute, mean, scale, categories, [], 0.0
    )
    design = model.design_matrix(_as_object(frame, spec))
    weight = "balanced" if spec.class_weight == "balanced" else None
    # Newton-Cholesky: the same L2 optimum as lbfgs in ~5 iterations instead of ~50 (rows far
    # outnumber coefficients here), which matters for the repeated fits of the protocols
    clf = LogisticRegression(
        C=logistic_c(spec),
        max_iter=2000,
        solver=LOGISTIC_SOLVER,
        class_weight=weight,
        random_state=spec.seed,
    )
    clf.fit(design, y)
    model.coef = clf.coef_[0].astype(float).tolist()
    model.intercept = float(clf.intercept_[0])
    return model


def logistic_c(spec: BinarySpec) -> float:
    """Inverse L2 strength of the logistic regression (``params["logistic_c"]``, default 1)."""
    return float(spec.params.get("logistic_c", 1.0))


def rf_params(spec: BinarySpec, rows: int | None = None) -> dict:
    """The random-forest hyper-parameters of a spec (defaults for those it does not set); on
    more than :data:`RF_MAX_SAMPLES` rows each tree's bootstrap sample is capped at that."""
    params = {**DEFAULT_RF_PARAMS, **{k: v for k, v in spec.params.items() if k in RF_PARAM_NAMES}}
    for name in ("n_estimators", "max_depth", "min_samples_leaf", "min_samples_split"):
        if params.get(name) is not None:
            params[name] = int(params[name])
    if rows is not None and rows > RF_MAX_SAMPLES and params.get("max_samples") is None:
        params["max_samples"] = RF_MAX_SAMPLES
    return params


def _fit_forest(frame: pd.DataFrame, y: np.ndarray, spec: BinarySpec) -> ForestModel:
    if spec.categorical:
        raise ModelInputError(
            f"model {spec.name}: the random forest takes numeric features only; "
            f"encode {spec.categorical} as flags first."
        )
    weight = "balanced" if spec.class_weight == "balanced" else None
    clf = RandomForestClassifier(
        **rf_params(spec, len(y)), class_weight=weight, random_state=spec.seed, n_jobs=1
    )
    clf.fit(frame[list(spec.numeric)].to_numpy(dtype=np.float64).astype(np.float32), y)
    return ForestModel.from_sklearn(clf, list(spec.numeric))


def _as_object(frame: pd.DataFrame, spec: BinarySpec) -> pd.DataFrame:
    out = frame.copy()
    for col in spec.categorical:
        out[col] = out[col].astype("object").where(out[col].notna(), None)
        out[col] = out[col].map(lambda v: None if v is None else str(v))
    return out


def predict_proba(model, frame: pd.DataFrame, spec: BinarySpec, threads: int = 1) -> np.ndarray:
    """Probability of class 1 for prepared rows, shape (n,). ``threads``: LightGBM's OpenMP
    threads for this call (each row is scored on its own, so the probabilities are the same
    bits whatever the count; the build keeps 1, the REST service uses more for big batches)."""
    if isinstance(model, lgb.Booster):
        # all-numeric rows go in as the float64 matrix LightGBM would build from the frame
        # itself (same predictions; its pandas checks cost ~5 ms per 1,000 rows); categorical
        # ones keep the frame, whose category mapping LightGBM applies
        data = frame.to_numpy(dtype=np.float64) if not spec.categorical else frame
        return np.asarray(model.predict(data, num_threads=max(1, int(threads))), dtype=float)
    if isinstance(model, ForestModel):
        return model.predict_proba(frame)
    if isinstance(model, LogitBlend):
        return model.predict_proba(frame, _as_object(frame, spec))
    return model.predict_proba(_as_object(frame, spec))


def cross_validate(
    x: pd.DataFrame,
    y: np.ndarray,
    spec: BinarySpec,
    family: str,
    folds: int,
    runtime: Runtime = SERIAL,
) -> tuple[np.ndarray, list[dict]]:
    """Out-of-fold probabilities (n,) and one AUC row per fold, folds run by ``runtime``."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=spec.seed)
    splits = list(splitter.split(x, y))

    def run(args: tuple[int, tuple[np.ndarray, np.ndarray]]):
        i, (train_idx, test_idx) = args
        began = time.monotonic()
        model = fit(x.iloc[train_idx], y[train_idx], spec, family)
        prob = predict_proba(model, x.iloc[test_idx], spec)
        return i, test_idx, prob, time.monotonic() - began

    oof = np.zeros(len(y))
    rows = []
    for i, test_idx, prob, seconds in runtime.map(run, list(enumerate(splits))):
        oof[test_idx] = prob
        auc = ev.binary_metrics(y[test_idx], prob, 0.5)["auc"]
        runtime.log(f"{family} cv fold {i + 1}/{folds}: auc {auc:.4f} ({seconds:.2f} s)")
        rows.append(
            {"evaluation": f"cv_{folds}fold", "fold": str(i + 1), "metric": "auc", "value": auc}
        )
    return oof, rows


def _times(labelled: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_datetime(labelled[column]).to_numpy(dtype="datetime64[ns]")


def known_at(labelled: pd.DataFrame, spec: BinarySpec) -> np.ndarray:
    """When each row's label became known: ``known_at_column`` (missing values fall back to
    the time column), else the time column."""
    times = _times(labelled, spec.time_column)
    if not spec.known_at_column:
        return times
    known = _times(labelled, spec.known_at_column)
    return np.where(np.isnat(known), times, known)


@dataclass(frozen=True)
class Window:
    """One rolling-origin window: its origin, the rows it scores and the rows its model may
    learn from (labels known before the origin), as positions in key order."""

    origin: np.datetime64
    test_idx: np.ndarray
    train_idx: np.ndarray


def rolling_windows(labelled: pd.DataFrame, spec: BinarySpec) -> list[Window]:
    """The spec's rolling-origin windows on key-ordered labelled rows (see the module
    docstring); windows whose training rows lack a class or ``min_rows`` are left out."""
    if not spec.rolling_windows or not spec.time_column:
        return []
    y = labelled[spec.target].astype(int).to_numpy()
    times, known = _times(labelled, spec.time_column), known_at(labelled, spec)
    order = np.argsort(times, kind="stable")  # ties keep key order
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
        origin = times[order[lo]]
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
    family: str,
    threshold: float,
    runtime: Runtime = SERIAL,
) -> tuple[list[dict], dict[str, float], dict, np.ndarray, np.ndarray]:
    """Rolling-origin evaluation: (evaluation rows, pooled metrics, curves, labels, scores).

    Pooled metrics are :func:`evaluation.binary_metrics` at ``threshold`` plus the windows'
    AUC mean / sd / min, the number of windows and the expected calibration error (``ece``)."""
    windows = rolling_windows(labelled, spec)
    name = ROLLING_EVALUATION

    def run(window: Window):
        model = fit(x.iloc[window.train_idx], y[window.train_idx], spec, family)
        return predict_proba(model, x.iloc[window.test_idx], spec)

    scores = runtime.map(run, windows)
    rows: list[dict] = []
    aucs = []
    for window, prob in zip(windows, scores, strict=True):
        y_w = y[window.test_idx]
        fold = str(np.datetime_as_string(window.origin, unit="D"))
        values = {
            "rows": float(len(y_w)),
            "training_rows": float(len(window.train_idx)),
            "positive_rate": float(y_w.mean()),
            "auc": ev.binary_metrics(y_w, prob, threshold)["auc"],
            "brier": float(np.mean((prob - y_w) ** 2)),
        }
        if not np.isnan(values["auc"]):
            aucs.append(values["auc"])
        rows += [
            {"evaluation": name, "fold": fold, "metric": k, "value": v} for k, v in values.items()
        ]
    if not windows:
        return rows, {}, {}, np.zeros(0, dtype=int), np.zeros(0)
    y_all = np.concatenate([y[w.test_idx] for w in windows])
    p_all = np.concatenate(scores)
    metrics = ev.binary_metrics(y_all, p_all, threshold)
    metrics.update(
        {
            "windows": float(len(windows)),
            "auc_window_mean": float(np.mean(aucs)) if aucs else float("nan"),
            "auc_window_sd": float(np.std(aucs)) if aucs else float("nan"),
            "auc_window_min": float(np.min(aucs)) if aucs else float("nan"),
            "ece": ev.expected_calibration_error(y_all, p_all),
        }
    )
    runtime.log(
        f"{family} rolling origin ({len(windows)} windows): pooled auc {metrics['auc']:.4f}, "
        f"window mean {metrics['auc_window_mean']:.4f}, brier {metrics['brier']:.4f}"
    )
    rows += ev.metric_rows(name, "all", metrics)
    rows += [
        {"evaluation": name, "fold": "all", "metric": k, "value": metrics[k]}
        for k in ("windows", "auc_window_mean", "auc_window_sd", "auc_window_min", "ece")
    ]
    curves = {"roc": ev.roc_points(y_all, p_all), "calibration": ev.calibration_bins(y_all, p_all)}
    return rows, metrics, curves, y_all, p_all


def repeated_splits(
    x: pd.DataFrame, y: np.ndarray, spec: BinarySpec, family: str, runtime: Runtime = SERIAL
) -> tuple[list[dict], dict[str, float]]:
    """Repeated stratified splits of all labelled rows (see the module docstring): evaluation
    rows and the summary (mean AUC and Brier, AUC spread)."""
    share = spec.test_share or 0.2
    splits = []
    for r in range(spec.repeated_splits):
        splitter = StratifiedShuffleSplit(n_splits=1, test_size=share, random_state=spec.seed + r)
        splits.append(next(splitter.split(np.zeros(len(y)), y)))

    def run(split: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        train_idx, test_idx = split
        model = fit(x.iloc[train_idx], y[train_idx], spec, family)
        return predict_proba(model, x.iloc[test_idx], spec)

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
        f"{family} {len(aucs)} repeated splits: auc {summary['auc']:.4f} "
        f"(sd {summary['auc_sd']:.4f}, {summary['auc_min']:.4f}-{summary['auc_max']:.4f})"
    )
    return rows, summary


#: Evaluation names of the optional protocols.
ROLLING_EVALUATION = "rolling_origin"
REPEATED_EVALUATION = "repeated_splits"


def train(
    frame: pd.DataFrame, spec: BinarySpec, family: str, runtime: Runtime = SERIAL
) -> TrainedBinary:
    """Validate, evaluate (holdout set aside, CV on the rest, and the optional rolling-origin
    and repeated-splits protocols) and fit the final model on all labelled rows; see the
    module docstring for the protocol."""
    labelled = validate(frame, spec)
    x = prepare(labelled, spec)
    y = labelled[spec.target].astype(int).to_numpy()
    split = holdout(labelled, spec)
    fit_idx = split.fit_idx if split is not None else np.arange(len(y))

    x_fit, y_fit = x.iloc[fit_idx].reset_index(drop=True), y[fit_idx]
    # every fold needs a row of each class: fewer folds when the fit part's rarer class is small
    folds = max(2, min(spec.cv_folds, int(np.bincount(y_fit, minlength=2).min())))
    spec = replace(spec, cv_folds=folds)
    oof, evaluation = cross_validate(x_fit, y_fit, spec, family, spec.cv_folds, runtime)
    threshold = ev.best_f1_threshold(y_fit, oof)
    cv_name = spec.cv_name
    metrics = {cv_name: ev.binary_metrics(y_fit, oof, threshold)}
    evaluation += ev.metric_rows(cv_name, "all", metrics[cv_name])
    curves = {
        cv_name: {"roc": ev.roc_points(y_fit, oof), "calibration": ev.calibration_bins(y_fit, oof)}
    }

    keys = labelled[spec.key].to_numpy()
    sample = {"key": keys[fit_idx], "probability": oof, "evaluation": cv_name}
    if split is not None:
        train_idx = split.fit_idx
        if spec.time_column and spec.known_at_column:
            # only labels known when the holdout starts
            start = _times(labelled, spec.time_column)[split.test_idx].min()
            train_idx = train_idx[known_at(labelled, spec)[train_idx] < start]
        model = fit(x.iloc[train_idx], y[train_idx], spec, family)
        prob = predict_proba(model, x.iloc[split.test_idx], spec)
        sample = out_of_sample(
            [sample, {"key": keys[split.test_idx], "probability": prob, "evaluation": split.name}]
        )
        y_test = y[split.test_idx]
        metrics[split.name] = ev.binary_metrics(y_test, prob, threshold)
        evaluation += ev.metric_rows(split.name, "all", metrics[split.name])
        curves[split.name] = {
            "roc": ev.roc_points(y_test, prob),
            "calibration": ev.calibration_bins(y_test, prob),
        }
        runtime.log(
            f"{family} {split.name}: auc {metrics[split.name]['auc']:.4f}, "
            f"f1 {metrics[split.name]['f1']:.4f} at threshold {threshold:.4f}"
        )

    if spec.rolling_windows and spec.time_column:
        rows, rolled, rolled_curves, _, _ = rolling_origin(
            labelled, x, y, spec, family, threshold, runtime
        )
        evaluation += rows
        if rolled:
            metrics[ROLLING_EVALUATION] = rolled
            curves[ROLLING_EVALUATION] = rolled_curves

    if spec.repeated_splits:
        rows, summary = repeated_splits(x, y, spec, family, runtime)
        evaluation += rows
        metrics[REPEATED_EVALUATION] = summary

    final = fit(x, y, spec, family)
    importance = feature_importance(final, x, spec)
    params, model_format, text = describe_fitted(final, spec, y, family)
    return TrainedBinary(
        family=family,
        model=final,
        model_format=model_format,
        model_text=text,
        threshold=threshold,
        metrics=metrics,
        evaluation=evaluation,
        curves=curves,
        feature_importance=importance,
        reference_profile=reference_profile(labelled, spec.numeric, spec.categorical, spec.seed),
        training_rows=len(labelled),
        params=params,
        oof=oof,
        oof_target=y_fit,
        oof_keys=labelled[spec.key].to_numpy()[fit_idx],
        cv_name=cv_name,
        out_of_sample=sample if split is not None else out_of_sample([sample]),
    )


def describe_fitted(model, spec: BinarySpec, y: np.ndarray, family: str) -> tuple[dict, str, str]:
    """A fitted model's parameters as trained (seeded, threaded as fitted), its storage format
    and its text (LightGBM text or JSON; never a pickle)."""
    if family == LIGHTGBM:
        params, rounds = lgb_params(spec, y)
        params["num_boost_round"] = rounds
        return params, LIGHTGBM_TEXT, booster_to_text(model)
    if family == RANDOM_FOREST:
        params = {**rf_params(spec, len(y)), "class_weight": spec.class_weight}
        return params, FOREST_JSON, model.to_text()
    if family == LOGIT_BLEND:
        params, rounds = lgb_params(spec, y)
        params.update(
            {
                "num_boost_round": rounds,
                "blend_weight": blend_weight(spec),
                "logistic_c": logistic_c(spec),
                "logistic_solver": LOGISTIC_SOLVER,
            }
        )
        return params, LOGIT_BLEND_JSON, model.to_text()
    params = {
        "C": logistic_c(spec),
        "max_iter": 2000,
        "solver": LOGISTIC_SOLVER,
        "class_weight": spec.class_weight,
    }
    return params, LINEAR_JSON, model.to_text()


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


def feature_importance(model, x: pd.DataFrame, spec: BinarySpec) -> list[dict]:
    """Per feature: gain (LightGBM) and mean |contribution| over at most
    :data:`IMPORTANCE_SAMPLE` rows (a seeded sample of ``x``)."""
    if len(x) > IMPORTANCE_SAMPLE:
        x = x.sample(n=IMPORTANCE_SAMPLE, random_state=spec.seed)
    rows = []
    if isinstance(model, lgb.Booster):
        gain = model.feature_importance("gain")
        contrib = np.abs(
            np.asarray(model.predict(x, pred_contrib=True, num_threads=1))[:, :-1]
        ).mean(axis=0)
        for name, g, c in zip(model.feature_name(), gain, contrib, strict=True):
            rows.append({"feature": name, "gain": float(g), "mean_abs_contribution": float(c)})
    elif isinstance(model, ForestModel):
        contrib = np.abs(model.contributions(x)).mean(axis=0)
        for name, c in zip(model.features, contrib, strict=True):
            rows.append({"feature": name, "gain": None, "mean_abs_contribution": float(c)})
    elif isinstance(model, LogitBlend):
        names, values = contributions(model, x, spec)
        for name, c in zip(names, np.abs(values).mean(axis=0), strict=True):
            rows.append({"feature": name, "gain": None, "mean_abs_contribution": float(c)})
    else:
        contrib = np.abs(linear_contributions(model, x, spec)).mean(axis=0)
        for name, c in zip(model.numeric + model.categorical, contrib, strict=True):
            rows.append({"feature": name, "gain": None, "mean_abs_contribution": float(c)})
    return sorted(rows, key=lambda r: (-r["mean_abs_contribution"], r["feature"]))


def linear_contributions(model: LinearModel, x: pd.DataFrame, spec: BinarySpec) -> np.ndarray:
    """Per row and feature: coefficient x standardised value (one-hot blocks summed),
    shape (n_rows, n_features), log-odds units."""
    design = model.design_matrix(_as_object(x, spec)) * np.asarray(model.coef)
    blocks, position = [], 0
    for name in model.numeric + model.categorical:
        width = 1 if name in model.numeric else len(model.categories[name])
        blocks.append(design[:, position : position + width].sum(axis=1))
        position += width
    return np.stack(blocks, axis=1) if blocks else np.zeros((len(x), 0))


def contributions(
    model, x: pd.DataFrame, spec: BinarySpec, threads: int = 1
) -> tuple[list[str], np.ndarray]:
    """Feature names and per-row contributions, shape (n_rows, n_features): log-odds units
    (LightGBM's path contributions, :mod:`revenue_ml.ml.paths`; coefficient x standardised
    value; a blend's weighted sum of its members') or probability units for a random forest
    (path decomposition). These are the reasons' inputs; global importance keeps TreeSHAP
    (:func:`feature_importance`)."""
    if isinstance(model, lgb.Booster):
        data = x.to_numpy(dtype=np.float64) if not spec.categorical else x
        return model.feature_name(), paths.contributions(model, data, threads)
    if isinstance(model, ForestModel):
        return list(model.features), model.contributions(x)
    if isinstance(model, LogitBlend):
        # weighted sum of the members' log-odds contributions, in the spec's feature order
        names = list(spec.features)
        total = np.zeros((len(x), len(names)))
        for member, fitted in zip(model.members, model.models, strict=True):
            member_names, values = contributions(fitted, x, spec)
            position = {n: i for i, n in enumerate(member_names)}
            total += member.weight * values[:, [position[n] for n in names]]
        return names, total
    return list(model.numeric + model.categorical), linear_contributions(model, x, spec)


def top_contributions(model, x: pd.DataFrame, spec: BinarySpec) -> tuple[list[str], np.ndarray]:
    """For each row, the feature with the largest absolute contribution and that
    contribution (units as :func:`contributions`)."""
    names, contrib = contributions(model, x, spec)
    idx = np.abs(contrib).argmax(axis=1)
    return [names[i] for i in idx], contrib[np.arange(len(idx)), idx]
