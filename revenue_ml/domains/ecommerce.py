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
customers (with few clusters the target alone could make everyone an Insider). A member of an
Insiders cluster qualifies when the programme can use it: its revenue net of returns is above
``insiders_min_net_revenue`` (a customer who returned everything bought is no Insider) and it has
a customer id (a surrogate id stands for one invoice without a customer: nobody to invite),
unless ``insiders_include_unidentified``. ``insider_exclusion_reason`` says why a member does
not qualify.

Segment names and actions are read from the assigned customers: each segment's two most
distinctive traits against all customers' medians
(:func:`revenue_ml.ml.segmentation.cluster_traits`), and one action per segment from the seed
``segment_actions`` (:func:`segment_actions`: the most urgent, most distinctive trait first,
each action to one segment), so different segments get different actions.
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
    #: A member of an Insiders cluster qualifies when its revenue net of returns exceeds this
    #: (None: no rule, the reference's).
    insiders_min_net_revenue: float | None
    #: Whether customers without a customer id (surrogate ids) may be Insiders.
    insiders_include_unidentified: bool

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


#: Audiences of the actions seed: an Insiders cluster's, the other clusters'.
INSIDERS, OTHERS = "insiders", "others"
#: The action of a segment whose traits have no action left (seed row ``any,any``).
FALLBACK = ("any", "any")


def segment_actions(
    traits: dict[int, list[segmentation.Trait]],
    insiders: set[int],
    revenue_order: list[int],
    actions: pd.DataFrame,
) -> dict[int, str]:
    """One action per cluster, each action for one cluster at most: every (cluster, trait)
    pair with an action for the cluster's audience (``insiders`` / ``others``) is a
    candidate; candidates are taken the most urgent first (the seed's ``priority``, e.g. a
    lapsed segment's reactivation), then the most distinctive trait (a clearly lapsed segment
    gets the reactivation before a slightly lapsed one), then the cluster with more revenue
    (``revenue_order``); a cluster left without one gets the seed's ``any,any`` action.
    ``actions``: the seed (audience, trait, priority, action)."""
    table = {
        (str(r.audience), str(r.trait)): (int(r.priority), str(r.action))
        for r in actions.itertuples(index=False)
    }
    rank = {c: i for i, c in enumerate(revenue_order)}
    candidates = []
    for cluster in revenue_order:
        audience = INSIDERS if cluster in insiders else OTHERS
        for trait in traits.get(cluster, []):
            if (audience, trait.word) in table:
                priority, action = table[(audience, trait.word)]
                candidates.append((priority, -trait.strength, rank[cluster], cluster, action))
    taken: set[str] = set()
    out: dict[int, str] = {}
    for _, _, _, cluster, action in sorted(candidates):
        if cluster not in out and action not in taken:
            out[cluster] = action
            taken.add(action)
    fallback = table.get(FALLBACK, (0, "Regular newsletter"))[1]
    for cluster in revenue_order:
        out.setdefault(cluster, fallback)
    return out


def assign(
    features: pd.DataFrame,
    versions: pd.DataFrame,
    settings: Settings,
    actions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per customer: cluster by the latest registered model, its name and action
    (read from the assigned customers, see the module docstring), map x/y, whether its
    cluster is an Insiders cluster and whether the customer qualifies."""
    insiders_target = settings.insiders_revenue_share_target
    max_customer_share = settings.insiders_max_customer_share
    record, model = latest_model(versions)
    frame = features.sort_values(KEY, kind="mergesort").reset_index(drop=True)
    e = model.embed(frame)
    cluster = model.assign_embedded(e)
    centers = np.asarray(model.centers)
    dist = np.sqrt(((e - centers[cluster - 1]) ** 2).sum(axis=1))
    names = segmentation.cluster_names(frame, cluster, list(FEATURES))
    out = pd.DataFrame(
        {
            KEY: frame[KEY].to_numpy(),
            "cluster": cluster.astype("int64"),
            "cluster_name": [names[c - 1] for c in cluster],
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
    order = prof.sort_values(
        ["mean_revenue", "cluster"], ascending=[False, True], kind="mergesort"
    )["cluster"]
    traits = segmentation.cluster_traits(frame, cluster, list(FEATURES))
    chosen = segment_actions(
        traits,
        insiders,
        [int(c) for c in order],
        actions
        if actions is not None
        else pd.DataFrame(columns=["audience", "trait", "priority", "action"]),
    )
    out["cluster_action"] = [chosen[int(c)] for c in cluster]
    in_cluster = out["cluster"].isin(insiders).to_numpy()
    reason = np.full(len(out), None, dtype=object)
    if not settings.insiders_include_unidentified and "is_surrogate_customer" in frame:
        unidentified = frame["is_surrogate_customer"].fillna(False).astype(bool).to_numpy()
        reason[in_cluster & unidentified] = "no customer id"
    floor = settings.insiders_min_net_revenue
    if floor is not None and "net_revenue" in frame:
        net = frame["net_revenue"].astype(float).to_numpy()
        low = in_cluster & (net <= floor) & (reason == None)  # noqa: E711 (object array)
        reason[low] = "returns cancel the purchases" if floor == 0 else "net revenue too low"
    out["in_insiders_cluster"] = in_cluster
    out["insider_exclusion_reason"] = reason
    out["is_insider"] = in_cluster & pd.isna(reason)
    out["insiders_revenue_share_target"] = float(insiders_target)
    out["insiders_max_customer_share"] = float(max_customer_share)
    out["embedding_space"] = model.space
    out["model_name"] = record["model_name"]
    out["model_version"] = int(record["model_version"])
    out["scored_at"] = datetime.now(UTC).replace(tzinfo=None)
    return out
