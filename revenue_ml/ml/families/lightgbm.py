"""LightGBM: gradient-boosted trees, stored as LightGBM's own model text.

The booster helpers (:func:`booster_params`, :func:`train_booster`) are shared with the count
regressor (:mod:`revenue_ml.ml.regression`), which boosts with a count objective.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, ClassVar

import lightgbm as lgb
import numpy as np
import pandas as pd

from revenue_ml.ml import paths
from revenue_ml.ml.families.base import BinaryModel

if TYPE_CHECKING:
    from revenue_ml.ml.binary import BinarySpec

LIGHTGBM_TEXT = "lightgbm_text"
#: Keys of a spec's ``params`` that configure a blend's other member, not LightGBM.
NON_LIGHTGBM_PARAMS = ("blend_weight", "logistic_c")

DEFAULT_PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "lambda_l2": 1.0,
    "num_boost_round": 200,
}


def booster_params(
    params: Mapping, seed: int, rounds: int, skip: Iterable[str] = ()
) -> tuple[dict, int]:
    """LightGBM parameters (seeded, deterministic, one thread) and boosting rounds
    (``params["num_boost_round"]``, else ``rounds``); the keys in ``skip`` are left out.

    One thread: the data of one fit is small, and OpenMP threads spinning on a shared machine
    cost far more than they save (independent fits run in parallel instead)."""
    left_out = ("num_boost_round", *skip)
    out = {k: v for k, v in params.items() if k not in left_out}
    out.update(
        {
            "seed": seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": 1,
            "verbosity": -1,
        }
    )
    return out, int(params.get("num_boost_round", rounds))


def train_booster(
    x: pd.DataFrame, y: np.ndarray, params: dict, rounds: int, categorical: list[str]
) -> lgb.Booster:
    """A booster trained on ``x`` and ``y`` (the categorical columns as LightGBM's own)."""
    data = lgb.Dataset(x, label=y, categorical_feature=categorical or "auto", free_raw_data=False)
    return lgb.train(params, data, num_boost_round=rounds)


class LightGBM(BinaryModel):
    """A LightGBM binary classifier (``lightgbm``). Reasons come from path contributions
    (:mod:`revenue_ml.ml.paths`, fast); global importance keeps TreeSHAP and gain."""

    family: ClassVar[str] = "lightgbm"
    model_format: ClassVar[str] = LIGHTGBM_TEXT

    def __init__(self, booster: lgb.Booster) -> None:
        self.booster = booster

    @classmethod
    def lgb_params(cls, spec: BinarySpec, y: np.ndarray) -> tuple[dict, int]:
        """:func:`booster_params` of the spec, with ``scale_pos_weight`` for a balanced
        class weight."""
        params, rounds = booster_params(spec.params, spec.seed, 200, NON_LIGHTGBM_PARAMS)
        if spec.class_weight == "balanced":
            params["scale_pos_weight"] = float((y == 0).sum() / max((y == 1).sum(), 1))
        return params, rounds

    @classmethod
    def fit(cls, x: pd.DataFrame, y: np.ndarray, spec: BinarySpec) -> LightGBM:
        params, rounds = cls.lgb_params(spec, y)
        return cls(train_booster(x, y, params, rounds, spec.categorical))

    @classmethod
    def trained_params(cls, spec: BinarySpec, y: np.ndarray) -> dict:
        params, rounds = cls.lgb_params(spec, y)
        params["num_boost_round"] = rounds
        return params

    @classmethod
    def from_text(cls, text: str) -> LightGBM:
        return cls(lgb.Booster(model_str=text))

    def to_text(self) -> str:
        """LightGBM's own text format (includes the pandas category mapping)."""
        return self.booster.model_to_string()

    @staticmethod
    def _data(x: pd.DataFrame, spec: BinarySpec):
        # all-numeric rows go in as the float64 matrix LightGBM would build from the frame
        # itself (same predictions; its pandas checks cost ~5 ms per 1,000 rows); categorical
        # ones keep the frame, whose category mapping LightGBM applies
        return x.to_numpy(dtype=np.float64) if not spec.categorical else x

    def predict_proba(self, x: pd.DataFrame, spec: BinarySpec, threads: int = 1) -> np.ndarray:
        data = self._data(x, spec)
        return np.asarray(self.booster.predict(data, num_threads=max(1, int(threads))), dtype=float)

    def raw_score(self, x: pd.DataFrame, spec: BinarySpec) -> np.ndarray:
        """Log-odds before the sigmoid, shape (n,) (a blend's member score; the frame itself
        goes in, as LightGBM maps its categories)."""
        return np.asarray(self.booster.predict(x, raw_score=True, num_threads=1))

    def contributions(
        self, x: pd.DataFrame, spec: BinarySpec, threads: int = 1
    ) -> tuple[list[str], np.ndarray]:
        """Path contributions (:mod:`revenue_ml.ml.paths`), log-odds units."""
        return self.booster.feature_name(), paths.contributions(
            self.booster, self._data(x, spec), threads
        )

    def _importance(
        self, x: pd.DataFrame, spec: BinarySpec
    ) -> tuple[list[str], list[float | None], np.ndarray]:
        return (
            self.booster.feature_name(),
            [float(g) for g in self.booster.feature_importance("gain")],
            mean_abs_shap(self.booster, x),
        )


def mean_abs_shap(booster: lgb.Booster, x: pd.DataFrame) -> np.ndarray:
    """Mean |TreeSHAP value| per feature over the rows of ``x`` (LightGBM's ``pred_contrib``,
    bias column dropped), shape (n_features,)."""
    contrib = np.asarray(booster.predict(x, pred_contrib=True, num_threads=1))[:, :-1]
    return np.abs(contrib).mean(axis=0)
