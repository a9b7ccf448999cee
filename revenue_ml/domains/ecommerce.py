"""E-commerce loyalty programme "Insiders" (reference 004): customer segmentation.

Features: the reference's final set (cycle 4) - revenue, recency_days, distinct_stock_codes,
basket_size, returned_units - from ``marts.customer_features``, min/max scaled. Two spaces are
compared (original scaled features, and the tree embedding: random forest on revenue -> leaves
one-hot -> 2-D TruncatedSVD instead of the reference's UMAP), KMeans and a Gaussian mixture for
each k in a range; the highest silhouette with k >= min_k wins (see revenue_ml.ml.clustering).

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

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from revenue_ml.ml import clustering, registry

DOMAIN = "ecommerce"
KEY = "customer_id"
MODEL_NAME = "insiders_segments"
FEATURES = ["revenue", "recency_days", "distinct_stock_codes", "basket_size", "returned_units"]


def params_from_config(k_min=2, k_max=12, min_k=3, seed=42, sample_size=5000, trees=50,
                       max_leaf_nodes=64) -> clustering.SegmentParams:
    return clustering.SegmentParams(features=tuple(FEATURES), k_min=int(k_min), k_max=int(k_max),
                                    min_k=int(min_k), seed=int(seed),
                                    silhouette_sample_size=int(sample_size),
                                    forest_trees=int(trees),
                                    forest_max_leaf_nodes=int(max_leaf_nodes))


def _training_frame(features: pd.DataFrame) -> pd.DataFrame:
    return features.sort_values(KEY, kind="mergesort").reset_index(drop=True)


def train(features: pd.DataFrame, existing: pd.DataFrame | None, policy: str,
          params: clustering.SegmentParams) -> pd.DataFrame:
    """New registry rows (one, or none when the policy says reuse the latest version)."""
    frame = _training_frame(features)
    fp = registry.fingerprint(frame, [KEY, *FEATURES], key=KEY)
    latest = registry.latest_versions(existing).get(MODEL_NAME)
    train_it, reason = registry.decide(policy, latest, fp, FEATURES, params.as_dict())
    if not train_it:
        return registry.records_frame([])
    sel = clustering.fit_segments(frame, params)
    evaluation = []
    for r in sel.candidates.itertuples(index=False):
        fold = f"{r.space}_{r.family}_k{r.k}"
        evaluation.append({"evaluation": "selection", "fold": fold, "metric": "silhouette",
                           "value": r.silhouette})
        evaluation.append({"evaluation": "selection", "fold": fold, "metric": "wcss",
                           "value": r.wcss})
        evaluation.append({"evaluation": "selection", "fold": fold, "metric": "revenue_separation",
                           "value": r.revenue_separation})
        if r.bic is not None and not pd.isna(r.bic):
            evaluation.append({"evaluation": "selection", "fold": fold, "metric": "bic",
                               "value": r.bic})
    sizes = np.bincount(sel.labels, minlength=sel.chosen["k"] + 1)[1:]
    version = int(latest["model_version"]) + 1 if latest else 1
    record = registry.RegistryRecord(
        model_name=MODEL_NAME, model_version=version, model_family=sel.chosen["family"],
        domain=DOMAIN, variant=sel.chosen["space"], training_fingerprint=fp,
        training_rows=len(frame), feature_names=FEATURES, categorical_features=[],
        params=params.as_dict(), threshold=None, primary_metric="selection.silhouette",
        primary_metric_value=sel.chosen["silhouette"], quality_floor=None,
        metrics={"selection": {**sel.chosen, "cluster_sizes": sizes.tolist(),
                               "cluster_names": sel.model.cluster_names}},
        evaluation=evaluation, curves={}, feature_importance=[],
        reference_profile={"rows": len(frame)},
        model_format=clustering.SEGMENT_JSON, model_text=sel.model.to_json(),
        retrain_policy=policy, retrain_reason=reason,
    )
    # threshold / quality_floor are always null here: keep them numeric for the registry union
    return registry.records_frame([record]).astype({"threshold": "float64",
                                                    "quality_floor": "float64"})


def latest_model(versions: pd.DataFrame) -> tuple[dict, clustering.SegmentModel]:
    latest = registry.latest_versions(versions).get(MODEL_NAME)
    if latest is None:
        raise ValueError(f"no registered version of {MODEL_NAME}")
    if latest["model_format"] != clustering.SEGMENT_JSON:
        raise ValueError(f"unexpected model_format {latest['model_format']!r}")
    return latest, clustering.SegmentModel.from_json(latest["model_text"])


def assign(features: pd.DataFrame, versions: pd.DataFrame, insiders_target: float,
           max_customer_share: float = 1.0) -> pd.DataFrame:
    """One row per customer: cluster by the latest registered model, map x/y, Insiders flag."""
    record, model = latest_model(versions)
    frame = _training_frame(features)
    e = model.embed(frame)
    cluster = model.assign_embedded(e)
    centers = np.asarray(model.centers)
    dist = np.sqrt(((e - centers[cluster - 1]) ** 2).sum(axis=1))
    out = pd.DataFrame({
        KEY: frame[KEY].to_numpy(),
        "cluster": cluster.astype("int64"),
        "cluster_name": [model.cluster_names[c - 1] for c in cluster],
        "embedding_x": e[:, 0],
        "embedding_y": e[:, 1],
        "distance_to_center": dist,
    })
    revenue = frame["revenue"].astype(float)
    prof = (pd.DataFrame({"cluster": cluster, "revenue": revenue})
            .groupby("cluster")["revenue"].agg(["mean", "sum", "count"]).reset_index()
            .rename(columns={"mean": "mean_revenue"}))
    prof["revenue_share"] = prof["sum"] / revenue.sum() if revenue.sum() > 0 else 0.0
    prof["customer_share"] = prof["count"] / len(frame)
    insiders = clustering.insider_clusters(prof, float(insiders_target), float(max_customer_share))
    out["is_insider"] = out["cluster"].isin(insiders)
    out["insiders_revenue_share_target"] = float(insiders_target)
    out["insiders_max_customer_share"] = float(max_customer_share)
    out["embedding_space"] = model.space
    out["model_name"] = record["model_name"]
    out["model_version"] = int(record["model_version"])
    out["scored_at"] = datetime.now(UTC).replace(tzinfo=None)
    return out
