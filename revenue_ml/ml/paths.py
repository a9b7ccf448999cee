"""Path contributions of a LightGBM model: why each row scored as it did, fast.

LightGBM's own per-row contributions (``predict(pred_contrib=True)``) are TreeSHAP values:
exact Shapley values, at a cost that grows with the trees' leaves and depth squared (the tuned
churn model: ~450 rows/s on one core). The reasons a person reads need the few features that
pushed a row's score up or down, for every row of a file; so they use *path contributions*
(Saabas; XGBoost's ``approx_contribs``), the decomposition the project's random forest
explains with too (:mod:`revenue_ml.ml.families.forest`): along the path a row takes through a tree,
each split's change of the expected score (the mean leaf value under the node) is credited to
the split's feature. Per tree the contributions add up to the row's leaf value minus the
tree's expected value, so over the model they add up to the raw score minus the bias, as SHAP
values do; they differ from SHAP in how credit is shared between interacting features.

Cost: the table of every leaf's contributions is built once per model (leaves x depth per
tree), then a row costs one ``pred_leaf`` prediction and a gather-sum of its leaves' rows:
tens of thousands of rows per second.
"""

from __future__ import annotations

import weakref

import lightgbm as lgb
import numpy as np

#: Leaf tables of the boosters seen, built once per booster object.
_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def leaf_table(booster: lgb.Booster) -> tuple[np.ndarray, float]:
    """``(table, bias)``: ``table[t, leaf, f]`` is what tree ``t``'s leaf ``leaf`` credits to
    feature ``f`` (raw-score units), ``bias`` the sum of the trees' expected values (root
    values)."""
    cached = _TABLES.get(booster)
    if cached is not None:
        return cached
    model = booster.dump_model()
    n_features = len(model["feature_names"])
    trees = model["tree_info"]
    max_leaves = max((int(t["num_leaves"]) for t in trees), default=1)
    table = np.zeros((len(trees), max_leaves, n_features))
    bias = 0.0
    for t, tree in enumerate(trees):
        root = tree["tree_structure"]
        if "split_feature" not in root:  # a single-leaf tree: all bias
            bias += float(root["leaf_value"])
            continue
        bias += float(root["internal_value"])
        # iterative walk: (node, contributions along the path so far)
        stack = [(root, np.zeros(n_features))]
        while stack:
            node, path = stack.pop()
            value = float(node["internal_value"])
            feature = int(node["split_feature"])
            for side in ("left_child", "right_child"):
                child = node[side]
                is_leaf = "split_feature" not in child
                child_value = float(child["leaf_value"] if is_leaf else child["internal_value"])
                credited = path.copy()
                credited[feature] += child_value - value
                if is_leaf:
                    table[t, int(child.get("leaf_index", 0))] = credited
                else:
                    stack.append((child, credited))
    _TABLES[booster] = (table, bias)
    return table, bias


def contributions(booster: lgb.Booster, data, threads: int = 1) -> np.ndarray:
    """Per row and feature, the path contributions, shape (n_rows, n_features), raw-score
    (log-odds) units; ``data`` is what :meth:`lightgbm.Booster.predict` takes."""
    table, _ = leaf_table(booster)
    leaves = np.asarray(booster.predict(data, pred_leaf=True, num_threads=max(1, int(threads))))
    if leaves.ndim == 1:
        leaves = leaves[:, None]
    out = np.zeros((leaves.shape[0], table.shape[2]))
    for t in range(leaves.shape[1]):
        out += table[t, leaves[:, t].astype(np.int64)]
    return out
