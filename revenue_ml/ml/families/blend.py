"""A blend of binary classifiers in log-odds space, stored as JSON: no pickle.

``logit(p) = intercept + sum_i weight_i * raw_i(x)``, where ``raw_i`` is member i's log-odds:
LightGBM's raw score (before the sigmoid) or a linear model's decision function. Members are
stored in their own portable formats (LightGBM text, linear JSON) inside the blend's JSON.

Because every member is additive in log-odds (LightGBM's contributions sum to its raw score, a
linear model's contributions sum to its decision minus the intercept), the blend's per-feature
contributions are the weighted sums of the members' contributions, in log-odds units, and add
up to ``logit(p) - bias`` exactly: the top driver of a blended score is as well defined as a
single model's.

The family ``lightgbm_logistic_blend`` fits LightGBM and a logistic regression on the same
features and averages them with weights ``blend_weight`` (LightGBM) and ``1 - blend_weight``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.families.base import BinaryModel
from revenue_ml.ml.families.lightgbm import LIGHTGBM_TEXT, LightGBM
from revenue_ml.ml.families.logistic import LINEAR_JSON, LOGISTIC_SOLVER, LinearModel, logistic_c

if TYPE_CHECKING:
    from revenue_ml.ml.binary import BinarySpec

LOGIT_BLEND_JSON = "logit_blend_json"
#: The families a blend's members may be, by their format.
MEMBERS: dict[str, type[BinaryModel]] = {LIGHTGBM_TEXT: LightGBM, LINEAR_JSON: LinearModel}


def blend_weight(spec: BinarySpec) -> float:
    """Weight of the LightGBM member of a blend (the logistic member gets the rest)."""
    weight = float(spec.params.get("blend_weight", 0.5))
    if not 0.0 <= weight <= 1.0:
        raise ModelInputError(f"model {spec.name}: blend_weight must be in [0, 1], got {weight}.")
    return weight


@dataclass
class BlendMember:
    """One member: its portable format and text, and its weight in log-odds space."""

    model_format: str
    model_text: str
    weight: float


@dataclass
class LogitBlend(BinaryModel):
    """Members (same features), weights and an intercept in log-odds space."""

    family: ClassVar[str] = "lightgbm_logistic_blend"
    model_format: ClassVar[str] = LOGIT_BLEND_JSON

    members: list[BlendMember]
    intercept: float = 0.0

    def __post_init__(self) -> None:
        self._models = [MEMBERS[m.model_format].from_text(m.model_text) for m in self.members]

    @property
    def models(self) -> list[BinaryModel]:
        return list(self._models)

    @classmethod
    def fit(cls, x: pd.DataFrame, y: np.ndarray, spec: BinarySpec) -> LogitBlend:
        booster = LightGBM.fit(x, y, spec)
        linear = LinearModel.fit(x, y, spec)
        weight = blend_weight(spec)
        return cls(
            [
                BlendMember(LIGHTGBM_TEXT, booster.to_text(), weight),
                BlendMember(LINEAR_JSON, linear.to_text(), 1.0 - weight),
            ]
        )

    @classmethod
    def trained_params(cls, spec: BinarySpec, y: np.ndarray) -> dict:
        params, rounds = LightGBM.lgb_params(spec, y)
        params.update(
            {
                "num_boost_round": rounds,
                "blend_weight": blend_weight(spec),
                "logistic_c": logistic_c(spec),
                "logistic_solver": LOGISTIC_SOLVER,
            }
        )
        return params

    def raw_scores(self, x: pd.DataFrame, spec: BinarySpec) -> np.ndarray:
        """Per member log-odds, shape (n_members, n_rows), of prepared rows ``x``."""
        out = [model.raw_score(x, spec) for model in self._models]
        return np.vstack(out) if out else np.zeros((0, len(x)))

    def decision_function(self, x: pd.DataFrame, spec: BinarySpec) -> np.ndarray:
        weights = np.asarray([m.weight for m in self.members], dtype=float)
        # member by member, not a matrix product: a row's score does not depend on the batch
        return self.intercept + (weights[:, None] * self.raw_scores(x, spec)).sum(axis=0)

    def predict_proba(self, x: pd.DataFrame, spec: BinarySpec, threads: int = 1) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.decision_function(x, spec)))

    def contributions(
        self, x: pd.DataFrame, spec: BinarySpec, threads: int = 1
    ) -> tuple[list[str], np.ndarray]:
        """The weighted sum of the members' log-odds contributions, in the spec's feature
        order."""
        names = list(spec.features)
        total = np.zeros((len(x), len(names)))
        for member, fitted in zip(self.members, self._models, strict=True):
            member_names, values = fitted.contributions(x, spec)
            position = {n: i for i, n in enumerate(member_names)}
            total += member.weight * values[:, [position[n] for n in names]]
        return names, total

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
