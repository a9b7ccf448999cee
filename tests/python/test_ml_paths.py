"""Path contributions (revenue_ml.ml.paths): the reasons' decomposition of a LightGBM score."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd

from revenue_ml.ml import paths


def booster(categorical: bool = False, rounds: int = 30) -> tuple[lgb.Booster, pd.DataFrame]:
    rng = np.random.default_rng(0)
    n = 600
    x = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.integers(0, 4, size=n).astype(float),
        }
    )
    y = ((x["a"] + 0.5 * x["b"] * (x["c"] > 1) + rng.normal(0, 0.5, n)) > 0).astype(int)
    if categorical:
        x["c"] = x["c"].astype("category")
    params = {"objective": "binary", "num_leaves": 7, "verbosity": -1, "seed": 1, "num_threads": 1}
    data = lgb.Dataset(x, label=y, categorical_feature=["c"] if categorical else "auto")
    return lgb.train(params, data, num_boost_round=rounds), x


def test_contributions_add_up_to_the_raw_score() -> None:
    for categorical in (False, True):
        model, x = booster(categorical)
        contrib = paths.contributions(model, x)
        _, bias = paths.leaf_table(model)
        raw = model.predict(x, raw_score=True)
        assert contrib.shape == (len(x), 3)
        assert np.abs(contrib.sum(axis=1) + bias - raw).max() < 1e-10


def test_contributions_credit_the_features_the_model_splits_on() -> None:
    model, x = booster()
    contrib = paths.contributions(model, x)
    # a drives the label: it gets the largest share of the credit, in its direction
    mean_abs = np.abs(contrib).mean(axis=0)
    assert mean_abs.argmax() == 0
    assert np.corrcoef(contrib[:, 0], x["a"])[0, 1] > 0.8
    # the same rows in any order get the same contributions; threads change nothing
    shuffled = x.sample(frac=1, random_state=3)
    again = paths.contributions(model, shuffled, threads=2)
    assert np.array_equal(again, contrib[shuffled.index.to_numpy()])


def test_a_single_leaf_tree_is_all_bias() -> None:
    x = pd.DataFrame({"a": np.zeros(50)})
    y = np.array([0, 1] * 25)
    params = {"objective": "binary", "verbosity": -1, "min_data_in_leaf": 100}
    model = lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=2)
    contrib = paths.contributions(model, x)
    _, bias = paths.leaf_table(model)
    assert np.all(contrib == 0)
    assert np.allclose(bias, model.predict(x, raw_score=True))
