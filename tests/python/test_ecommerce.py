"""Fast tests of the Insiders segmentation (revenue_ml.ml.segmentation / domains.ecommerce)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ml_settings

from revenue_ml.domains import ecommerce
from revenue_ml.domains.ecommerce import insider_clusters
from revenue_ml.ml import segmentation as clustering


def customers(n: int = 240, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "revenue": rng.lognormal(6, 1.2, n),
            "recency_days": rng.integers(0, 370, n),
            "distinct_stock_codes": rng.integers(1, 150, n),
            "basket_size": rng.lognormal(4, 0.8, n),
            "returned_units": rng.poisson(2, n),
        }
    )


def settings(policy: str = "always") -> ecommerce.Settings:
    return ecommerce.Settings(
        ml=ml_settings(policy),
        segment_k_min=2,
        segment_k_max=5,
        selection_min_k=3,
        segment_seed=42,
        silhouette_sample_size=200,
        forest_trees=10,
        forest_max_leaf_nodes=16,
        insiders_revenue_share_target=0.85,
        insiders_max_customer_share=1.0,
        insiders_min_net_revenue=0.0,
        insiders_include_unidentified=False,
        currency="\u00a3",
    )


PARAMS = settings().segment_params


def test_training_is_deterministic() -> None:
    a = ecommerce.train(customers(), None, settings())
    b = ecommerce.train(customers().sample(frac=1, random_state=1), None, settings())
    assert a["model_text"][0] == b["model_text"][0]
    assert a["evaluation"][0] == b["evaluation"][0]
    assert a["training_fingerprint"][0] == b["training_fingerprint"][0]


@pytest.mark.parametrize(
    "spaces,families",
    [
        (("original",), ("kmeans",)),
        (("original",), ("gmm",)),
        (("tree",), ("kmeans",)),
        (("tree",), ("gmm",)),
    ],
)
def test_registered_json_assigns_like_the_fitted_model(spaces, families) -> None:
    frame = customers()
    params = clustering.SegmentParams(
        **{
            **PARAMS.__dict__,
            "spaces": ("original", *spaces) if "tree" in spaces else spaces,
            "families": families,
        }
    )
    if spaces == ("original",):
        params = clustering.SegmentParams(**{**params.__dict__, "spaces": spaces})
    sel = clustering.fit_segments(frame, params)
    loaded = clustering.SegmentModel.from_json(sel.model.to_json())
    np.testing.assert_array_equal(loaded.assign(frame), sel.labels)
    # new customers: assigned by the stored model alone, in 1..k
    new = customers(30, seed=99)
    got = loaded.assign(new)
    assert got.min() >= 1 and got.max() <= sel.chosen["k"]


def test_selection_rule_and_candidates() -> None:
    sel = clustering.fit_segments(customers(), PARAMS)
    cand = sel.candidates
    assert len(cand) == 2 * 2 * 4  # spaces x families x k in 2..5
    eligible = cand[cand["k"] >= 3]
    assert sel.chosen["silhouette"] == pytest.approx(eligible["silhouette"].max())
    assert cand["is_chosen"].sum() == 1
    # cluster 1 has the highest mean revenue
    rev = customers()["revenue"].to_numpy()
    means = [rev[sel.labels == c].mean() for c in range(1, sel.chosen["k"] + 1)]
    assert means == sorted(means, reverse=True)


def test_reuse_when_data_unchanged_and_assign() -> None:
    frame = customers()
    first = ecommerce.train(frame, None, settings("if_data_changed"))
    assert len(first) == 1
    assert ecommerce.train(frame, first, settings("if_data_changed")).empty
    changed = frame.assign(revenue=frame["revenue"] * 1.01)
    second = ecommerce.train(changed, first, settings("if_data_changed"))
    assert int(second["model_version"][0]) == 2
    out = ecommerce.assign(frame, first, settings())
    assert len(out) == len(frame) and out["customer_id"].is_unique


def test_insiders_rule() -> None:
    profile = pd.DataFrame(
        {
            "cluster": [1, 2, 3, 4],
            "mean_revenue": [900.0, 300.0, 200.0, 50.0],
            "revenue_share": [0.6, 0.2, 0.15, 0.05],
            "customer_share": [0.1, 0.2, 0.3, 0.4],
        }
    )
    assert insider_clusters(profile, 0.85) == {1, 2, 3}  # 0.8 < 0.85 -> add cluster 3
    assert insider_clusters(profile, 0.6) == {1}
    assert insider_clusters(profile, 0.5) == {1}
    assert insider_clusters(profile, 1.0) == {1, 2, 3, 4}
    # the customer cap stops before the cluster that would cross it
    assert insider_clusters(profile, 0.85, max_customer_share=0.5) == {1, 2}
    assert insider_clusters(profile, 1.0, max_customer_share=0.6) == {1, 2, 3}
    # the top cluster always qualifies, even above the cap
    assert insider_clusters(profile, 0.85, max_customer_share=0.05) == {1}
    # k=3 with the target out of reach of the first two clusters (the real-data case)
    three = pd.DataFrame(
        {
            "cluster": [1, 2, 3],
            "mean_revenue": [6900.0, 1800.0, 540.0],
            "revenue_share": [0.60, 0.20, 0.20],
            "customer_share": [0.15, 0.19, 0.66],
        }
    )
    assert insider_clusters(three, 0.85) == {1, 2, 3}
    assert insider_clusters(three, 0.85, max_customer_share=0.6) == {1, 2}


def test_revenue_separation() -> None:
    revenue = np.array([10.0, 12.0, 1000.0, 1100.0])
    assert clustering.revenue_separation(revenue, np.array([1, 1, 2, 2])) > 0.99
    assert clustering.revenue_separation(revenue, np.array([1, 2, 1, 2])) < 0.01
    assert clustering.revenue_separation(np.ones(4), np.array([1, 1, 2, 2])) == 0.0


def test_shared_silhouette_matches_sklearn() -> None:
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(3)
    e = np.vstack([rng.normal(0, 1, (300, 2)), rng.normal(5, 1, (200, 2)), [[20.0, 20.0]]])
    labels = np.r_[np.zeros(300, int), np.ones(200, int), [2]]  # a singleton cluster too
    for size in (100, 501, 5000):
        params = clustering.SegmentParams(features=("a",), silhouette_sample_size=size, seed=7)
        ours = clustering.SilhouetteSample(e, params).score(labels)
        theirs = silhouette_score(e, labels, sample_size=min(size, len(e)), random_state=7)
        assert ours == pytest.approx(theirs, abs=1e-12)


def test_names_come_from_medians_and_agree_with_them() -> None:
    """A segment of mostly recent buyers with a few long-lapsed ones is "recent" (its median),
    though its mean recency is the highest; every word agrees with the medians."""
    frame = pd.DataFrame(
        {
            "revenue": [900.0, 800.0, 850.0, 100.0, 120.0, 110.0],
            "recency_days": [5.0, 10.0, 900.0, 60.0, 70.0, 80.0],
            "distinct_stock_codes": [50.0, 60.0, 55.0, 5.0, 6.0, 4.0],
        }
    )
    labels = np.array([1, 1, 1, 2, 2, 2])
    features = ["revenue", "recency_days", "distinct_stock_codes"]
    traits = clustering.cluster_traits(frame, labels, features)
    words = {c: {t.word for t in ts} for c, ts in traits.items()}
    assert {"high-spend", "recent", "broad-range"} <= words[1]
    assert {"low-spend", "lapsed", "narrow-range"} <= words[2]
    assert frame.loc[labels == 1, "recency_days"].mean() > frame["recency_days"].mean()
    names = clustering.cluster_names(frame, labels, features)
    assert all(n for n in names) and len(set(names)) == 2


def test_segment_actions_are_distinct_and_the_most_urgent_trait_wins() -> None:
    seed = pd.DataFrame(
        [
            ("insiders", "high-spend", 1, "perks"),
            ("others", "lapsed", 1, "reactivate"),
            ("others", "narrow-range", 2, "cross-sell"),
            ("others", "small-basket", 2, "upsell"),
            ("any", "any", 9, "newsletter"),
        ],
        columns=["audience", "trait", "priority", "action"],
    )

    def trait(word: str, strength: float) -> clustering.Trait:
        return clustering.Trait("f", word, strength, 0.0, 0.0)

    traits = {
        1: [trait("high-spend", 2.0)],
        # slightly lapsed, mostly narrow-range
        2: [trait("narrow-range", 1.5), trait("lapsed", 0.2)],
        # clearly lapsed
        3: [trait("lapsed", 2.5), trait("small-basket", 1.0)],
        # nothing left for it
        4: [trait("lapsed", 0.1)],
    }
    chosen = ecommerce.segment_actions(traits, {1}, [1, 2, 3, 4], seed)
    assert chosen == {1: "perks", 2: "cross-sell", 3: "reactivate", 4: "newsletter"}
