"""Logistic regression, stored as JSON: the preprocessing and the coefficients as numbers."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from revenue_ml.ml.families.base import BinaryModel, as_object

if TYPE_CHECKING:
    from revenue_ml.ml.binary import BinarySpec

LINEAR_JSON = "linear_json"
#: Solver of every logistic regression (recorded in the registered parameters).
LOGISTIC_SOLVER = "newton-cholesky"


def logistic_c(spec: BinarySpec) -> float:
    """Inverse L2 strength of the logistic regression (``params["logistic_c"]``, default 1)."""
    return float(spec.params.get("logistic_c", 1.0))


@dataclass
class LinearModel(BinaryModel):
    """A fitted logistic regression (``logistic_regression``) with its preprocessing, as plain
    numbers.

    Numeric features: missing values imputed with ``impute``, then standardised with
    ``mean``/``scale``. Categorical features: one-hot over ``categories`` (unknown and missing
    values map to all zeros). ``coef`` follows ``numeric`` then each categorical's categories.
    """

    family: ClassVar[str] = "logistic_regression"
    model_format: ClassVar[str] = LINEAR_JSON

    numeric: list[str]
    categorical: list[str]
    impute: dict[str, float]
    mean: dict[str, float]
    scale: dict[str, float]
    categories: dict[str, list[str]]
    coef: list[float]
    intercept: float

    @classmethod
    def fit(cls, x: pd.DataFrame, y: np.ndarray, spec: BinarySpec) -> LinearModel:
        impute = {c: float(np.nan_to_num(x[c].median(), nan=0.0)) for c in spec.numeric}
        filled = {c: x[c].fillna(impute[c]) for c in spec.numeric}
        mean = {c: float(filled[c].mean()) for c in spec.numeric}
        scale = {c: float(filled[c].std(ddof=0)) or 1.0 for c in spec.numeric}
        categories = {
            c: sorted(str(v) for v in x[c].dropna().astype(str).unique()) for c in spec.categorical
        }
        model = cls(
            list(spec.numeric), list(spec.categorical), impute, mean, scale, categories, [], 0.0
        )
        design = model.design_matrix(as_object(x, spec.categorical))
        weight = "balanced" if spec.class_weight == "balanced" else None
        # Newton-Cholesky: the same L2 optimum as lbfgs in ~5 iterations instead of ~50 (rows
        # far outnumber coefficients here), which matters for the repeated fits of the protocols
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

    @classmethod
    def trained_params(cls, spec: BinarySpec, y: np.ndarray) -> dict:
        return {
            "C": logistic_c(spec),
            "max_iter": 2000,
            "solver": LOGISTIC_SOLVER,
            "class_weight": spec.class_weight,
        }

    def design_matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the (n_rows, n_coef) matrix the coefficients apply to (``frame``: the
        categorical columns as text, :func:`revenue_ml.ml.families.base.as_object`)."""
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
        """Log-odds of the rows of ``frame`` (categorical columns as text). Each row's sum is
        taken on its own (not a matrix product, whose BLAS kernel and so its last bits depend on
        the number of rows): a record scores the same alone or in any batch."""
        return (self.design_matrix(frame) * np.asarray(self.coef)).sum(axis=1) + self.intercept

    def raw_score(self, x: pd.DataFrame, spec: BinarySpec) -> np.ndarray:
        """Log-odds of prepared rows, shape (n,) (a blend's member score)."""
        return self.decision_function(as_object(x, spec.categorical))

    def predict_proba(self, x: pd.DataFrame, spec: BinarySpec, threads: int = 1) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.raw_score(x, spec)))

    def contributions(
        self, x: pd.DataFrame, spec: BinarySpec, threads: int = 1
    ) -> tuple[list[str], np.ndarray]:
        """Per row and feature: coefficient x standardised value (one-hot blocks summed),
        log-odds units."""
        design = self.design_matrix(as_object(x, spec.categorical)) * np.asarray(self.coef)
        blocks, position = [], 0
        for name in self.numeric + self.categorical:
            width = 1 if name in self.numeric else len(self.categories[name])
            blocks.append(design[:, position : position + width].sum(axis=1))
            position += width
        values = np.stack(blocks, axis=1) if blocks else np.zeros((len(x), 0))
        return list(self.numeric + self.categorical), values

    def to_text(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_text(cls, text: str) -> LinearModel:
        return cls(**json.loads(text))
