"""The campaign domain (revenue_ml.domains.campaign): the registered KMeans segments."""

from __future__ import annotations

import numpy as np
import pandas as pd

from revenue_ml.domains import campaign
from revenue_ml.ml import lifecycle


def _campaign_frame(n: int = 120, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rich = rng.random(n) < 0.3
    frame = pd.DataFrame({f: rng.normal(10, 2, n) for f in campaign.SEGMENT_FEATURES})
    frame["spend_total"] = np.where(rich, 2000, 200) + rng.normal(0, 50, n)
    frame["customer_id"] = np.arange(n)
    frame["responded"] = (rng.random(n) < 0.2).astype(float)
    return frame


def _segment_registry(base: pd.DataFrame) -> pd.DataFrame:
    segmenters = [
        t for t in campaign.trainers(frozenset(), None, 3, [], 3.0, 11.0) if t.family == "kmeans"
    ]
    return lifecycle.train_or_reuse(base, segmenters, None, "always")


def test_segments_are_registered_ordered_by_spend_and_a_new_batch_does_not_move_them() -> None:
    base = _campaign_frame()
    registry = _segment_registry(base)
    assert list(registry["model_name"]) == ["campaign_segments_k2", "campaign_segments_k3"]
    assert set(registry["model_format"]) == {"segment_json"}
    seg = campaign.segment(base, registry)
    k2 = seg[seg["k"] == 2].merge(base, on="customer_id")
    means = k2.groupby("segment")["spend_total"].mean()
    assert means.is_monotonic_increasing and set(means.index) == {0, 1}
    # the registered model assigns exactly as a KMeans refit on the same rows would
    from sklearn.cluster import KMeans

    x = base[campaign.SEGMENT_FEATURES].astype(float)
    z = (x - x.mean()) / x.std(ddof=0)
    refit = KMeans(n_clusters=2, n_init=10, random_state=42).fit(z.to_numpy()).labels_
    pairs = set(zip(refit, seg[seg["k"] == 2]["segment"], strict=True))
    assert len(pairs) == 2
    batch = _campaign_frame(10, seed=9).assign(
        customer_id=lambda f: f["customer_id"] + 1000, responded=np.nan
    )
    again = campaign.segment(pd.concat([base, batch], ignore_index=True), registry)
    merged = seg.merge(again, on=["customer_id", "k"], suffixes=("", "_again"))
    assert len(merged) == len(seg)
    assert (merged["segment"] == merged["segment_again"]).all()
    assert len(again) == 2 * 130
