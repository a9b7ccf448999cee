"""Binary classifiers: LightGBM, a logistic-regression baseline and a random forest, trained,
evaluated and scored the same way for every domain.

Input is one row per entity (a mart), never raw rows. Evaluation protocols:
- stratified k-fold cross-validation (out-of-fold probabilities give the F1-optimal threshold);
- a time-based holdout when the spec names a time column (train on the oldest rows, test on
  the newest ``holdout_share``);
- a stratified held-out test split when the spec asks for one (``test_share``).
The final model is refit on all labelled rows with the same parameters and seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split

from revenue_ml.ml import evaluation as ev
from revenue_ml.ml.drift import reference_profile
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.forest import FOREST_JSON, ForestModel
from revenue_ml.ml.portable import LIGHTGBM_TEXT, LINEAR_JSON, LinearModel, booster_to_text

LIGHTGBM = "lightgbm"
LOGISTIC = "logistic_regression"
RANDOM_FOREST = "random_forest"

#: Hyper-parameters of sklearn's RandomForestClassifier a spec's ``params`` may set for the
#: random-forest family (others, e.g. LightGBM's, are ignored by it).
RF_PARAM_NAMES = ("n_estimators", "max_depth", "min_samples_leaf", "min_samples_split",
                  "max_features", "criterion", "max_samples")
DEFAULT_RF_PARAMS = {"n_estimators": 200, "min_samples_leaf": 1, "max_features": "sqrt"}

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

    @property
    def features(self) -> list[str]:
        return list(self.numeric) + list(self.categorical)


@dataclass
class TrainedBinary:
    """A fitted model with everything the registry stores about it."""

    family: str
    model: lgb.Booster | LinearModel
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
    #: Out-of-fold probabilities of the labelled rows and their labels (cross-validation).
    oof: np.ndarray | None = None
    oof_target: np.ndarray | None = None


def validate(frame: pd.DataFrame, spec: BinarySpec) -> pd.DataFrame:
    """Return the labelled rows, or raise :class:`ModelInputError` naming the model and fix."""
    leaked = sorted(set(spec.features) & set(spec.forbidden))
    if leaked:
        raise ModelInputError(
            f"model {spec.name}: forbidden feature(s) {leaked} would leak the target. "
            f"Fix: remove them from the feature list."
        )
    missing = [c for c in spec.features + [spec.target] if c not in frame.columns]
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
    return labelled.reset_index(drop=True)


def prepare(frame: pd.DataFrame, spec: BinarySpec) -> pd.DataFrame:
    """Features as LightGBM wants them: floats and pandas categories."""
    out = pd.DataFrame(index=frame.index)
    for col in spec.numeric:
        out[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    for col in spec.categorical:
        out[col] = frame[col].astype("object").where(frame[col].notna(), None).astype("category")
    return out


def _lgb_params(spec: BinarySpec, y: np.ndarray) -> tuple[dict, int]:
    params = {k: v for k, v in spec.params.items() if k != "num_boost_round"}
    params.update(
        {"seed": spec.seed, "deterministic": True, "force_row_wise": True, "num_threads": 2,
         "verbosity": -1}
    )
    if spec.class_weight == "balanced":
        params["scale_pos_weight"] = float((y == 0).sum() / max((y == 1).sum(), 1))
    return params, int(spec.params.get("num_boost_round", 200))


def fit(frame: pd.DataFrame, y: np.ndarray, spec: BinarySpec, family: str):
    """Fit one model on prepared rows ``frame`` (n, n_features) and labels ``y`` (n,)."""
    if family == LIGHTGBM:
        params, rounds = _lgb_params(spec, y)
        data = lgb.Dataset(frame, label=y, categorical_feature=spec.categorical or "auto",
                           free_raw_data=False)
        return lgb.train(params, data, num_boost_round=rounds)
    if family == LOGISTIC:
        return _fit_logistic(frame, y, spec)
    if family == RANDOM_FOREST:
        return _fit_forest(frame, y, spec)
    raise ValueError(f"unknown model family {family!r}")


def _fit_logistic(frame: pd.DataFrame, y: np.ndarray, spec: BinarySpec) -> LinearModel:
    impute = {c: float(np.nan_to_num(frame[c].median(), nan=0.0)) for c in spec.numeric}
    filled = {c: frame[c].fillna(impute[c]) for c in spec.numeric}
    mean = {c: float(filled[c].mean()) for c in spec.numeric}
    scale = {c: float(filled[c].std(ddof=0)) or 1.0 for c in spec.numeric}
    categories = {
        c: sorted(str(v) for v in frame[c].dropna().astype(str).unique()) for c in spec.categorical
    }
    model = LinearModel(list(spec.numeric), list(spec.categorical), impute, mean, scale,
                        categories, [], 0.0)
    design = model.design_matrix(_as_object(frame, spec))
    weight = "balanced" if spec.class_weight == "balanced" else None
    clf = LogisticRegression(C=1.0, max_iter=2000, class_weight=weight, random_state=spec.seed)
    clf.fit(design, y)
    model.coef = clf.coef_[0].astype(float).tolist()
    model.intercept = float(clf.intercept_[0])
    return model


def rf_params(spec: BinarySpec) -> dict:
    """The random-forest hyper-parameters of a spec (defaults for those it does not set)."""
    params = {**DEFAULT_RF_PARAMS,
              **{k: v for k, v in spec.params.items() if k in RF_PARAM_NAMES}}
    for name in ("n_estimators", "max_depth", "min_samples_leaf", "min_samples_split"):
        if params.get(name) is not None:
            params[name] = int(params[name])
    return params


def _fit_forest(frame: pd.DataFrame, y: np.ndarray, spec: BinarySpec) -> ForestModel:
    if spec.categorical:
        raise ModelInputError(
            f"model {spec.name}: the random forest takes numeric features only; "
            f"encode {spec.categorical} as flags first."
        )
    weight = "balanced" if spec.class_weight == "balanced" else None
    clf = RandomForestClassifier(**rf_params(spec), class_weight=weight,
                                 random_state=spec.seed, n_jobs=2)
    clf.fit(frame[list(spec.numeric)].to_numpy(dtype=np.float64).astype(np.float32), y)
    return ForestModel.from_sklearn(clf, list(spec.numeric))


def _as_object(frame: pd.DataFrame, spec: BinarySpec) -> pd.DataFrame:
    out = frame.copy()
    for col in spec.categorical:
        out[col] = out[col].astype("object").where(out[col].notna(), None)
        out[col] = out[col].map(lambda v: None if v is None else str(v))
    return out


def predict_proba(model, frame: pd.DataFrame, spec: BinarySpec) -> np.ndarray:
    """Probability of class 1 for prepared rows, shape (n,)."""
    if isinstance(model, lgb.Booster):
        return np.asarray(model.predict(frame), dtype=float)
    if isinstance(model, ForestModel):
        return model.predict_proba(frame)
    return model.predict_proba(_as_object(frame, spec))


def _cross_validate(x: pd.DataFrame, y: np.ndarray, spec: BinarySpec, family: str):
    folds = StratifiedKFold(n_splits=spec.cv_folds, shuffle=True, random_state=spec.seed)
    oof = np.zeros(len(y))
    rows = []
    for i, (train_idx, test_idx) in enumerate(folds.split(x, y)):
        model = fit(x.iloc[train_idx], y[train_idx], spec, family)
        oof[test_idx] = predict_proba(model, x.iloc[test_idx], spec)
        fold_metrics = ev.binary_metrics(y[test_idx], oof[test_idx], 0.5)
        rows.append({"evaluation": f"cv_{spec.cv_folds}fold", "fold": str(i + 1),
                     "metric": "auc", "value": fold_metrics["auc"]})
    return oof, rows


def train(frame: pd.DataFrame, spec: BinarySpec, family: str) -> TrainedBinary:
    """Validate, evaluate (CV + holdout/test) and fit the final model on all labelled rows."""
    labelled = validate(frame, spec)
    x = prepare(labelled, spec)
    y = labelled[spec.target].astype(int).to_numpy()

    oof, evaluation = _cross_validate(x, y, spec, family)
    threshold = ev.best_f1_threshold(y, oof)
    cv_name = f"cv_{spec.cv_folds}fold"
    metrics = {cv_name: ev.binary_metrics(y, oof, threshold)}
    evaluation += ev.metric_rows(cv_name, "all", metrics[cv_name])
    curves = {cv_name: {"roc": ev.roc_points(y, oof), "calibration": ev.calibration_bins(y, oof)}}

    for name, (train_idx, test_idx) in _holdouts(labelled, y, spec).items():
        model = fit(x.iloc[train_idx], y[train_idx], spec, family)
        prob = predict_proba(model, x.iloc[test_idx], spec)
        metrics[name] = ev.binary_metrics(y[test_idx], prob, threshold)
        evaluation += ev.metric_rows(name, "all", metrics[name])
        curves[name] = {"roc": ev.roc_points(y[test_idx], prob),
                        "calibration": ev.calibration_bins(y[test_idx], prob)}

    final = fit(x, y, spec, family)
    importance = feature_importance(final, x, spec)
    if family == LIGHTGBM:
        params, rounds = _lgb_params(spec, y)
        params["num_boost_round"] = rounds
        model_format, text = LIGHTGBM_TEXT, booster_to_text(final)
    elif family == RANDOM_FOREST:
        params = {**rf_params(spec), "class_weight": spec.class_weight}
        model_format, text = FOREST_JSON, final.to_text()
    else:
        params = {"C": 1.0, "max_iter": 2000, "class_weight": spec.class_weight}
        model_format, text = LINEAR_JSON, final.to_text()
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
        oof_target=y,
    )


def _holdouts(labelled: pd.DataFrame, y: np.ndarray, spec: BinarySpec) -> dict:
    splits = {}
    if spec.time_column:
        order = np.argsort(pd.to_datetime(labelled[spec.time_column]).to_numpy(), kind="stable")
        cut = int(round(len(order) * (1 - spec.holdout_share)))
        train_idx, test_idx = np.sort(order[:cut]), np.sort(order[cut:])
        if len(np.unique(y[train_idx])) == 2 and len(np.unique(y[test_idx])) == 2:
            splits["time_holdout"] = (train_idx, test_idx)
    if spec.test_share:
        idx = np.arange(len(y))
        train_idx, test_idx = train_test_split(
            idx, test_size=spec.test_share, stratify=y, random_state=spec.seed
        )
        splits["test_split"] = (np.sort(train_idx), np.sort(test_idx))
    return splits


def feature_importance(model, x: pd.DataFrame, spec: BinarySpec) -> list[dict]:
    """Per feature: gain (LightGBM) or |coefficient| sum (linear), and mean |contribution|."""
    rows = []
    if isinstance(model, lgb.Booster):
        gain = model.feature_importance("gain")
        contrib = np.abs(np.asarray(model.predict(x, pred_contrib=True))[:, :-1]).mean(axis=0)
        for name, g, c in zip(model.feature_name(), gain, contrib, strict=True):
            rows.append({"feature": name, "gain": float(g), "mean_abs_contribution": float(c)})
    elif isinstance(model, ForestModel):
        contrib = np.abs(model.contributions(x)).mean(axis=0)
        for name, c in zip(model.features, contrib, strict=True):
            rows.append({"feature": name, "gain": None, "mean_abs_contribution": float(c)})
    else:
        design = model.design_matrix(_as_object(x, spec))
        contrib = np.abs(design * np.asarray(model.coef)).mean(axis=0)
        position = 0
        for name in model.numeric + model.categorical:
            width = 1 if name in model.numeric else len(model.categories[name])
            rows.append({"feature": name, "gain": None,
                         "mean_abs_contribution": float(contrib[position:position + width].sum())})
            position += width
    return sorted(rows, key=lambda r: -r["mean_abs_contribution"])


def top_contributions(model, x: pd.DataFrame, spec: BinarySpec) -> tuple[list[str], np.ndarray]:
    """For each row, the feature with the largest absolute contribution and that contribution
    (log-odds units, LightGBM's ``pred_contrib`` or coefficient x standardised value; probability
    units for a random forest, by path decomposition)."""
    if isinstance(model, lgb.Booster):
        contrib = np.asarray(model.predict(x, pred_contrib=True))[:, :-1]
        names = model.feature_name()
    elif isinstance(model, ForestModel):
        contrib, names = model.contributions(x), model.features
    else:
        design = model.design_matrix(_as_object(x, spec)) * np.asarray(model.coef)
        names, blocks, position = [], [], 0
        for name in model.numeric + model.categorical:
            width = 1 if name in model.numeric else len(model.categories[name])
            blocks.append(design[:, position:position + width].sum(axis=1))
            names.append(name)
            position += width
        contrib = np.stack(blocks, axis=1)
    idx = np.abs(contrib).argmax(axis=1)
    return [names[i] for i in idx], contrib[np.arange(len(idx)), idx]
