"""Random forests stored as JSON arrays and scored with numpy: no pickle, no sklearn at load.

A fitted :class:`sklearn.ensemble.RandomForestClassifier` is exported tree by tree from its
``tree_`` arrays (``children_left``, ``children_right``, ``feature``, ``threshold``,
``missing_go_to_left`` and the positive-class share of each node). Prediction walks every row
down every tree at once (vectorised over rows, one step per tree level) and averages the
leaf shares in the same order as sklearn, so probabilities equal sklearn's ``predict_proba``.

Per-row contributions follow the path decomposition of Saabas (``treeinterpreter``): the
change in positive-class share at each split is credited to the split's feature, so
``bias + contributions.sum(axis=1) == probability`` (probability units).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.families.base import BinaryModel

if TYPE_CHECKING:
    from revenue_ml.ml.binary import BinarySpec

FOREST_JSON = "forest_json"
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


@dataclass
class ForestTree:
    """One binary decision tree as flat arrays indexed by node id (leaves: children = -1)."""

    children_left: np.ndarray
    children_right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    missing_go_to_left: np.ndarray
    positive_share: np.ndarray

    def _steps(self, x: np.ndarray):
        """Walk every row of ``x`` (n_rows, n_features float32 values) down the tree at once,
        one level per step: yields (rows still at an internal node, their nodes, the children
        they go to), until every row is at its leaf."""
        node = np.zeros(len(x), dtype=np.int64)
        rows = np.arange(len(x))
        while True:
            internal = self.children_left[node] >= 0
            if not internal.any():
                return
            r, n = rows[internal], node[internal]
            value = x[r, self.feature[n]].astype(np.float64)
            go_left = np.where(
                np.isnan(value), self.missing_go_to_left[n], value <= self.threshold[n]
            )
            child = np.where(go_left, self.children_left[n], self.children_right[n])
            yield r, n, child
            node[r] = child

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """Leaf id reached by each row of ``x`` (n_rows, n_features float32 values)."""
        node = np.zeros(len(x), dtype=np.int64)
        for r, _, child in self._steps(x):
            node[r] = child
        return node

    def contributions(self, x: np.ndarray, n_features: int) -> np.ndarray:
        """Per-row change of positive share credited to each split feature,
        shape (n_rows, n_features)."""
        out = np.zeros((len(x), n_features))
        for r, n, child in self._steps(x):
            gain = self.positive_share[child] - self.positive_share[n]
            np.add.at(out, (r, self.feature[n]), gain)
        return out

    def to_dict(self) -> dict:
        return {
            "children_left": self.children_left.tolist(),
            "children_right": self.children_right.tolist(),
            "feature": self.feature.tolist(),
            "threshold": self.threshold.tolist(),
            "missing_go_to_left": self.missing_go_to_left.astype(int).tolist(),
            "positive_share": self.positive_share.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ForestTree:
        return cls(
            children_left=np.asarray(data["children_left"], dtype=np.int64),
            children_right=np.asarray(data["children_right"], dtype=np.int64),
            feature=np.asarray(data["feature"], dtype=np.int64),
            threshold=np.asarray(data["threshold"], dtype=np.float64),
            missing_go_to_left=np.asarray(data["missing_go_to_left"], dtype=bool),
            positive_share=np.asarray(data["positive_share"], dtype=np.float64),
        )


@dataclass
class ForestModel(BinaryModel):
    """A binary random forest (``random_forest``): feature names (column order) and its
    trees. Numeric features only (encode categories as flags first)."""

    family: ClassVar[str] = "random_forest"
    model_format: ClassVar[str] = FOREST_JSON

    features: list[str]
    trees: list[ForestTree]

    @classmethod
    def fit(cls, x: pd.DataFrame, y: np.ndarray, spec: BinarySpec) -> ForestModel:
        if spec.categorical:
            raise ModelInputError(
                f"model {spec.name}: the random forest takes numeric features only; "
                f"encode {spec.categorical} as flags first."
            )
        weight = "balanced" if spec.class_weight == "balanced" else None
        clf = RandomForestClassifier(
            **rf_params(spec, len(y)), class_weight=weight, random_state=spec.seed, n_jobs=1
        )
        clf.fit(x[list(spec.numeric)].to_numpy(dtype=np.float64).astype(np.float32), y)
        return cls.from_sklearn(clf, list(spec.numeric))

    @classmethod
    def trained_params(cls, spec: BinarySpec, y: np.ndarray) -> dict:
        return {**rf_params(spec, len(y)), "class_weight": spec.class_weight}

    @classmethod
    def from_sklearn(cls, forest, features: list[str]) -> ForestModel:
        """Export a fitted binary ``RandomForestClassifier`` (classes 0 and 1)."""
        if list(forest.classes_) != [0, 1]:
            raise ValueError(f"expected classes [0, 1], got {list(forest.classes_)}")
        trees = []
        for estimator in forest.estimators_:
            t = estimator.tree_
            value = t.value[:, 0, :]  # (n_nodes, n_classes): class shares (or counts)
            share = value[:, 1] / value.sum(axis=1)
            missing = getattr(t, "missing_go_to_left", np.zeros(t.node_count, dtype=bool))
            trees.append(
                ForestTree(
                    children_left=np.asarray(t.children_left, dtype=np.int64),
                    children_right=np.asarray(t.children_right, dtype=np.int64),
                    feature=np.maximum(np.asarray(t.feature, dtype=np.int64), 0),
                    threshold=np.asarray(t.threshold, dtype=np.float64),
                    missing_go_to_left=np.asarray(missing, dtype=bool),
                    positive_share=np.asarray(share, dtype=np.float64),
                )
            )
        return cls(list(features), trees)

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        # sklearn compares float32 inputs with float64 thresholds; do exactly the same.
        return frame[self.features].to_numpy(dtype=np.float64).astype(np.float32)

    def probabilities(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of class 1, shape (n_rows,): the mean of the trees' leaf shares."""
        x = self._matrix(frame)
        total = np.zeros(len(x))
        for tree in self.trees:
            total += tree.positive_share[tree.leaves(x)]
        return total / len(self.trees)

    def predict_proba(self, x: pd.DataFrame, spec: BinarySpec, threads: int = 1) -> np.ndarray:
        return self.probabilities(x)

    def path_contributions(self, frame: pd.DataFrame) -> np.ndarray:
        """Per-row, per-feature contributions (probability units), shape (n_rows, n_features)."""
        x = self._matrix(frame)
        total = np.zeros((len(x), len(self.features)))
        for tree in self.trees:
            total += tree.contributions(x, len(self.features))
        return total / len(self.trees)

    def contributions(
        self, x: pd.DataFrame, spec: BinarySpec, threads: int = 1
    ) -> tuple[list[str], np.ndarray]:
        return list(self.features), self.path_contributions(x)

    @property
    def bias(self) -> float:
        """Mean root share: the probability before any split (training positive rate)."""
        return float(np.mean([t.positive_share[0] for t in self.trees]))

    def to_text(self) -> str:
        return json.dumps({"features": self.features, "trees": [t.to_dict() for t in self.trees]})

    @classmethod
    def from_text(cls, text: str) -> ForestModel:
        data = json.loads(text)
        return cls(list(data["features"]), [ForestTree.from_dict(t) for t in data["trees"]])
