"""What every binary model family provides, and the helpers the families share.

A family is one class whose instances are fitted models (:mod:`revenue_ml.ml.families`). The
trainers, the scorer, the MLflow models and the explainer call these methods and never ask
which family they hold, so a new family is one new class (and its line in ``FAMILIES``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # the spec's module imports the families
    from revenue_ml.ml.binary import BinarySpec

#: Rows used for the mean |contribution| per feature (a seeded sample on large data).
IMPORTANCE_SAMPLE = 500


class BinaryModel(ABC):
    """A fitted binary classifier of one family, stored as text (never a pickle).

    ``x`` is always the spec's features prepared by :func:`prepare_features` (numeric columns
    as floats, categorical ones as pandas categories), ``y`` the 0/1 labels, ``spec`` the
    :class:`revenue_ml.ml.binary.BinarySpec` the model is fitted or scored with.
    """

    #: The registry's ``model_family`` and ``model_format`` of the family.
    family: ClassVar[str]
    model_format: ClassVar[str]

    @classmethod
    @abstractmethod
    def fit(cls, x: pd.DataFrame, y: np.ndarray, spec: BinarySpec) -> BinaryModel:
        """Fit on ``x`` (n, n_features) and ``y`` (n,), seeded and single-threaded."""

    @classmethod
    @abstractmethod
    def trained_params(cls, spec: BinarySpec, y: np.ndarray) -> dict:
        """The parameters a fit of ``spec`` on labels ``y`` uses (seeded, threaded as fitted)."""

    @classmethod
    @abstractmethod
    def from_text(cls, text: str) -> BinaryModel:
        """The model stored as :meth:`to_text` (parsed, never executed)."""

    @abstractmethod
    def to_text(self) -> str:
        """The model as text (LightGBM's own text or JSON)."""

    @abstractmethod
    def predict_proba(self, x: pd.DataFrame, spec: BinarySpec, threads: int = 1) -> np.ndarray:
        """Probability of class 1, shape (n,). ``threads``: LightGBM's OpenMP threads for this
        call (each row is scored on its own, so the probabilities are the same bits whatever
        the count)."""

    @abstractmethod
    def contributions(
        self, x: pd.DataFrame, spec: BinarySpec, threads: int = 1
    ) -> tuple[list[str], np.ndarray]:
        """Feature names and per-row contributions, shape (n_rows, n_features): the reasons'
        inputs (units per family: log-odds, or probability for a random forest)."""

    def _importance(
        self, x: pd.DataFrame, spec: BinarySpec
    ) -> tuple[list[str], list[float | None], np.ndarray]:
        """(feature names, gain per feature or None, mean |contribution| per feature): by
        default the mean |contribution| of the reasons' decomposition, without a gain."""
        names, values = self.contributions(x, spec)
        return names, [None] * len(names), np.abs(values).mean(axis=0)

    def importance(self, x: pd.DataFrame, spec: BinarySpec) -> list[dict]:
        """Per feature: gain (where the family has one) and mean |contribution| over at most
        :data:`IMPORTANCE_SAMPLE` rows (a seeded sample of ``x``), largest first."""
        if len(x) > IMPORTANCE_SAMPLE:
            x = x.sample(n=IMPORTANCE_SAMPLE, random_state=spec.seed)
        names, gains, contrib = self._importance(x, spec)
        rows = [
            {"feature": name, "gain": gain, "mean_abs_contribution": float(c)}
            for name, gain, c in zip(names, gains, contrib, strict=True)
        ]
        return sorted(rows, key=lambda r: (-r["mean_abs_contribution"], r["feature"]))


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


def as_object(frame: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
    """``frame`` with the ``categorical`` columns as text (None = missing): what a linear
    model's one-hot encoding compares with its stored categories."""
    out = frame.copy()
    for col in categorical:
        out[col] = out[col].astype("object").where(out[col].notna(), None)
        out[col] = out[col].map(lambda v: None if v is None else str(v))
    return out
