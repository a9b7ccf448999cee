"""Portable, safe model formats: text that is parsed, never unpickled.

LightGBM boosters are stored as LightGBM's own model text. Linear models are stored as JSON
holding the preprocessing (imputation, scaling, one-hot categories) and the coefficients.
Random forests (:mod:`revenue_ml.ml.forest`) and log-odds blends of these
(:mod:`revenue_ml.ml.blend`) are JSON too. Loading any of them never executes stored bytes.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd

LIGHTGBM_TEXT = "lightgbm_text"
LINEAR_JSON = "linear_json"
FOREST_JSON = "forest_json"  # revenue_ml.ml.forest.ForestModel
LOGIT_BLEND_JSON = "logit_blend_json"  # revenue_ml.ml.blend.LogitBlend


@dataclass
class LinearModel:
    """A fitted logistic regression with its preprocessing, as plain numbers.

    Numeric features: missing values imputed with ``impute``, then standardised with
    ``mean``/``scale``. Categorical features: one-hot over ``categories`` (unknown and missing
    values map to all zeros). ``coef`` follows ``numeric`` then each categorical's categories.
    """

    numeric: list[str]
    categorical: list[str]
    impute: dict[str, float]
    mean: dict[str, float]
    scale: dict[str, float]
    categories: dict[str, list[str]]
    coef: list[float]
    intercept: float

    def design_matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the (n_rows, n_coef) matrix the coefficients apply to."""
        blocks = []
        for col in self.numeric:
            values = pd.to_numeric(frame[col], errors="coerce").astype(float)
            values = values.fillna(self.impute[col]).to_numpy()
            blocks.append(((values - self.mean[col]) / self.scale[col])[:, None])
        for col in self.categorical:
            values = frame[col].astype("object").to_numpy()
            cats = self.categories[col]
            if not cats:  # a column empty in the training data adds no coefficient
                continue
            blocks.append(np.stack([values == c for c in cats], axis=1).astype(float))
        if not blocks:
            return np.zeros((len(frame), 0))
        return np.hstack(blocks)

    def decision_function(self, frame: pd.DataFrame) -> np.ndarray:
        return self.design_matrix(frame) @ np.asarray(self.coef) + self.intercept

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of the positive class, shape (n_rows,)."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(frame)))

    def to_text(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_text(cls, text: str) -> LinearModel:
        return cls(**json.loads(text))


def prepare_features(
    frame: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> pd.DataFrame:
    """Features as LightGBM wants them, shape (n_rows, n_features): numeric columns as floats
    (unparseable values become NaN), categorical ones as pandas categories (None = missing)."""
    columns = {}  # built in one go: a column at a time costs ~0.1 ms each on small batches
    for col in numeric:
        values = frame[col]
        columns[col] = (
            values if values.dtype == np.float64 else pd.to_numeric(values, errors="coerce")
        ).astype(float)
    for col in categorical:
        columns[col] = (
            frame[col].astype("object").where(frame[col].notna(), None).astype("category")
        )
    return pd.DataFrame(columns, index=frame.index, columns=[*numeric, *categorical])


def booster_to_text(booster: lgb.Booster) -> str:
    """LightGBM's own text format (includes the pandas category mapping)."""
    return booster.model_to_string()


def booster_from_text(text: str) -> lgb.Booster:
    return lgb.Booster(model_str=text)


def load(model_format: str, text: str):
    """Rebuild a model from its registry text (cached: the scoring service, the dashboard and
    a scoring model score many batches with the same version; a LightGBM model of a few hundred
    trees takes milliseconds to parse); unknown formats are refused. The models are only read
    (predictions), never changed, so sharing one object is safe."""
    return _load(model_format, text)


@functools.lru_cache(maxsize=16)
def _load(model_format: str, text: str):
    if model_format == LIGHTGBM_TEXT:
        return booster_from_text(text)
    if model_format == LINEAR_JSON:
        return LinearModel.from_text(text)
    if model_format == FOREST_JSON:
        from revenue_ml.ml.forest import ForestModel  # imported late: forest imports this module

        return ForestModel.from_text(text)
    if model_format == LOGIT_BLEND_JSON:
        from revenue_ml.ml.blend import LogitBlend  # imported late: blend imports this module

        return LogitBlend.from_text(text)
    raise ValueError(
        f"unknown model format {model_format!r}: expected {LIGHTGBM_TEXT}, {LINEAR_JSON}, "
        f"{FOREST_JSON} or {LOGIT_BLEND_JSON}"
    )
