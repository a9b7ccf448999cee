"""One-off record: the reference's UMAP tree embedding versus this project's TruncatedSVD one.

Issue #4 allows a faster method than UMAP "if it gives comparable silhouette and business
separation". This script fits both embeddings of the same random forest (revenue from the
other scaled features, the project's parameters) on a built warehouse's
``ecommerce.customer_features``, clusters each with KMeans for k = 2..12 and prints silhouette,
revenue separation (share of the variance of log revenue explained by the clusters) and time.

umap-learn is not a project dependency (it pulls numba/llvmlite); run this from a separate
environment, e.g.::

    python -m venv /tmp/umapenv && /tmp/umapenv/bin/pip install umap-learn==0.5.9.post2 \\
        duckdb==2.0.0 pandas==2.3.3 scikit-learn==1.9.1 threadpoolctl
    PYTHONPATH=. /tmp/umapenv/bin/python benchmarks/segment_embedding_comparison.py \\
        warehouse_shared.duckdb

The latest figures are in README.md (Insiders section).
"""

from __future__ import annotations

import sys
import time

import duckdb
import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import OneHotEncoder
from threadpoolctl import threadpool_limits

FEATURES = ["revenue", "recency_days", "distinct_stock_codes", "basket_size", "returned_units"]


def separation(revenue: np.ndarray, labels: np.ndarray) -> float:
    r = np.log1p(np.clip(revenue, 0, None))
    between = sum(
        (labels == c).sum() * (r[labels == c].mean() - r.mean()) ** 2 for c in np.unique(labels)
    )
    return float(between / ((r - r.mean()) ** 2).sum())


def main(path: str) -> None:
    import umap  # noqa: PLC0415 - optional, see the module docstring

    with duckdb.connect(path, read_only=True) as con:
        frame = con.sql("select * from ecommerce.customer_features order by customer_id").df()
    x = frame[FEATURES].astype(float).to_numpy()
    lo, hi = x.min(axis=0), x.max(axis=0)
    z = (x - lo) / np.where(hi > lo, hi - lo, 1.0)
    forest = RandomForestRegressor(
        n_estimators=50, max_leaf_nodes=64, random_state=42, n_jobs=1
    ).fit(z[:, 1:], x[:, 0])
    leaves = forest.apply(z[:, 1:])
    embeddings = {}
    start = time.perf_counter()
    onehot = OneHotEncoder().fit_transform(leaves)
    embeddings["svd"] = (
        TruncatedSVD(2, random_state=42).fit_transform(onehot),
        time.perf_counter() - start,
    )
    start = time.perf_counter()
    # the reference: UMAP on the leaf ids, default parameters, fixed seed
    embeddings["umap"] = (
        umap.UMAP(random_state=42).fit_transform(leaves),
        time.perf_counter() - start,
    )
    print(f"customers={len(frame)}")
    print("embedding  seconds  k  silhouette  revenue_separation  top-cluster(customers/revenue)")
    for name, (e, seconds) in embeddings.items():
        for k in range(2, 13):
            with threadpool_limits(1):
                labels = KMeans(n_clusters=k, n_init=10, random_state=42).fit_predict(e)
            sil = silhouette_score(e, labels, sample_size=min(5000, len(e)), random_state=42)
            means = [x[labels == c, 0].mean() for c in range(k)]
            top = labels == int(np.argmax(means))
            print(
                f"{name:9s} {seconds:8.2f} {k:2d} {sil:11.3f} {separation(x[:, 0], labels):19.3f}"
                f"  {top.mean():.2f}/{x[top, 0].sum() / x[:, 0].sum():.2f}"
            )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "warehouse_shared.duckdb")
