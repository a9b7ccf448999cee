"""E-commerce loyalty programme "Insiders" (reference 004): customer segmentation.

Features: the reference's final set (cycle 4) - revenue, recency_days, distinct_stock_codes,
basket_size, returned_units - from ``ecommerce.customer_features``, min/max scaled. Two spaces are
compared (original scaled features, and the tree embedding: random forest on revenue -> leaves
one-hot -> 2-D TruncatedSVD instead of the reference's UMAP), KMeans and a Gaussian mixture for
each k in a range; the highest silhouette with k >= min_k wins (see revenue_ml.ml.segmentation).

The chosen model is registered in ``ml.ecommerce_model_versions`` (shared registry layout,
model_format ``segment_json``: scaler, forest node arrays + projection when the tree space
wins, centroids or mixture parameters). Under the retrain policy a build either trains a new
version or reuses the latest one; customers are always assigned by the registered JSON model
(nearest centroid / most likely component), never by refitting.

Insiders: clusters taken by mean revenue, highest first, until their cumulative share of revenue
reaches ``insiders_revenue_share_target``, never more than ``insiders_max_customer_share`` of the
customers (with few clusters the target alone could make everyone an Insider).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import numpy as np
import pandas as pd

from revenue_ml.ml import registry, segmentation
from revenue_ml.ml.lifecycle import train_or_reuse
from revenue_ml.settings import DomainSettings

DOMAIN = "ecommerce"
KEY = "customer_id"
MODEL_NAME = "insiders_segments"
FEATURES = ["revenue", "recency_days", "distinct_stock_codes", "basket_size", "returned_units"]


@dataclass(frozen=True)
class Settings(DomainSettings):
    """The e-commerce vars (``ecommerce_<name>`` in dbt_project.yml)."""

    prefix: ClassVar[str] = "ecommerce_"
    #: Symbol money is shown with (dashboard, reasons); the data carry no currency.
    currency: str
    #: Candidates: k in segment_k_min..segment_k_max; the rule picks among k >= selection_min_k.
    segment_k_min: int
    segment_k_max: int
    selection_min_k: int
    segment_seed: int
    silhouette_sample_size: int
    forest_trees: int
    forest_max_leaf_nodes: int
    insiders_revenue_share_target: float
    insiders_max_customer_share: float

    @property
    def segment_params(self) -> segmentation.SegmentParams:
        return segmentation.SegmentParams(
            features=tuple(FEATURES),
            k_min=self.segment_k_min,
            k_max=self.segment_k_max,
            min_k=self.selection_min_k,
            seed=self.segment_seed,
            silhouette_sample_size=self.silhouette_sample_size,
            forest_trees=self.forest_trees,
            forest_max_leaf_nodes=self.forest_max_leaf_nodes,
        )


def trainer(params: segmentation.SegmentParams) -> segmentation.SelectionTrainer:
    return segmentation.SelectionTrainer(name=MODEL_NAME, domain=DOMAIN, key=KEY, settings=params)


def train(
    features: pd.DataFrame, existing: pd.DataFrame | None, settings: Settings
) -> pd.DataFrame:
    """New registry rows (one, or none when the policy says reuse the latest version)."""
    return train_or_reuse(
        features,
        [trainer(settings.segment_params)],
        existing,
        settings.ml.retrain_policy,
        settings.ml.runtime(),
    )


def latest_model(versions: pd.DataFrame) -> tuple[dict, segmentation.SegmentModel]:
    latest = registry.latest_versions(versions).get(MODEL_NAME)
    if latest is None:
        raise ValueError(f"no registered version of {MODEL_NAME}")
    if latest["model_format"] != segmentation.SEGMENT_JSON:
        raise ValueError(f"unexpected model_format {latest['model_format']!r}")
    return latest, segmentation.SegmentModel.from_json(latest["model_text"])


def insider_clusters(
    profile: pd.DataFrame, target_share: float, max_customer_share: float = 1.0
) -> set[int]:
    """Insiders: clusters taken by mean revenue, highest first, until their cumulative revenue
    share reaches ``target_share`` (the cluster that crosses the target is included), without
    the Insiders ever exceeding ``max_customer_share`` of the customers: a cluster that would
    push the Insiders past that cap is not added and the selection stops there. The
    highest-revenue cluster is always an Insiders cluster.

    ``profile`` has columns cluster, mean_revenue, revenue_share and (for the cap)
    customer_share.
    """
    ordered = profile.sort_values(
        ["mean_revenue", "cluster"], ascending=[False, True], kind="mergesort"
    )
    chosen: set[int] = set()
    revenue, customers = 0.0, 0.0
    for row in ordered.itertuples(index=False):
        if revenue >= target_share:
            break
        share = float(getattr(row, "customer_share", 0.0))
        if chosen and customers + share > max_customer_share + 1e-12:
            break
        chosen.add(int(row.cluster))
        revenue += float(row.revenue_share)
        customers += share
    return chosen


def assign(features: pd.DataFrame, versions: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """One row per customer: cluster by the latest registered model, map x/y, Insiders flag."""
    insiders_target = settings.insiders_revenue_share_target
    max_customer_share = settings.insiders_max_customer_share
    record, model = latest_model(versions)
    frame = features.sort_values(KEY, kind="mergesort").reset_index(drop=True)
    e = model.embed(frame)
    cluster = model.assign_embedded(e)
    centers = np.asarray(model.centers)
    dist = np.sqrt(((e - centers[cluster - 1]) ** 2).sum(axis=1))
    out = pd.DataFrame(
        {
            KEY: frame[KEY].to_numpy(),
            "cluster": cluster.astype("int64"),
            "cluster_name": [model.cluster_names[c - 1] for c in cluster],
            "embedding_x": e[:, 0],
            "embedding_y": e[:, 1],
            "distance_to_center": dist,
        }
    )
    revenue = frame["revenue"].astype(float)
    prof = (
        pd.DataFrame({"cluster": cluster, "revenue": revenue})
        .groupby("cluster")["revenue"]
        .agg(["mean", "sum", "count"])
        .reset_index()
        .rename(columns={"mean": "mean_revenue"})
    )
    prof["revenue_share"] = prof["sum"] / revenue.sum() if revenue.sum() > 0 else 0.0
    prof["customer_share"] = prof["count"] / len(frame)
    insiders = insider_clusters(prof, float(insiders_target), float(max_customer_share))
    out["is_insider"] = out["cluster"].isin(insiders)
    out["insiders_revenue_share_target"] = float(insiders_target)
    out["insiders_max_customer_share"] = float(max_customer_share)
    out["embedding_space"] = model.space
    out["model_name"] = record["model_name"]
    out["model_version"] = int(record["model_version"])
    out["scored_at"] = datetime.now(UTC).replace(tzinfo=None)
    return out
