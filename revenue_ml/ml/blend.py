"""A blend of binary classifiers in log-odds space, stored as JSON: no pickle.

``logit(p) = intercept + sum_i weight_i * raw_i(x)``, where ``raw_i`` is member i's log-odds:
LightGBM's raw score (before the sigmoid) or a linear model's decision function. Members are
stored in their own portable formats (LightGBM text, linear JSON) inside the blend's JSON.

Because every member is additive in log-odds (LightGBM's ``pred_contrib`` sums to its raw
score, a linear model's contributions sum to its decision minus the intercept), the blend's
per-feature contributions are the weighted sums of the members' contributions, in log-odds
units, and add up to ``logit(p) - bias`` exactly: the top driver of a blended score is as
well defined as a single model's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd

from revenue_ml.ml.portable import LOGIT_BLEND_JSON, LinearModel, load  # noqa: F401


@dataclass
class BlendMember:
    """One member: its portable format and text, and its weight in log-odds space."""

    model_format: str
    model_text: str
    weight: float


@dataclass
class LogitBlend:
    """Members (same features), weights and an intercept in log-odds space."""

    members: list[BlendMember]
    intercept: float = 0.0

    def __post_init__(self) -> None:
        self._models = [load(m.model_format, m.model_text) for m in self.members]

    @property
    def models(self) -> list:
        return list(self._models)

    def raw_scores(self, frame: pd.DataFrame, as_object: pd.DataFrame | None = None) -> np.ndarray:
        """Per member log-odds, shape (n_members, n_rows). ``frame``: features prepared for
        LightGBM; ``as_object``: the same rows with categories as text (linear members)."""
        out = []
        for model in self._models:
            if isinstance(model, lgb.Booster):
                out.append(np.asarray(model.predict(frame, raw_score=True, num_threads=1)))
            else:
                out.append(model.decision_function(frame if as_object is None else as_object))
        return np.vstack(out) if out else np.zeros((0, len(frame)))

    def decision_function(
        self, frame: pd.DataFrame, as_object: pd.DataFrame | None = None
    ) -> np.ndarray:
        weights = np.asarray([m.weight for m in self.members], dtype=float)
        return self.intercept + weights @ self.raw_scores(frame, as_object)

    def predict_proba(
        self, frame: pd.DataFrame, as_object: pd.DataFrame | None = None
    ) -> np.ndarray:
        """Probability of the positive class, shape (n_rows,)."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(frame, as_object)))

    def to_text(self) -> str:
        return json.dumps(
            {
                "intercept": self.intercept,
                "members": [
                    {"model_format": m.model_format, "model_text": m.model_text, "weight": m.weight}
                    for m in self.members
                ],
            },
            sort_keys=True,
        )

    @classmethod
    def from_text(cls, text: str) -> LogitBlend:
        data = json.loads(text)
        members = [BlendMember(**m) for m in data["members"]]
        return cls(members, float(data["intercept"]))
