"""Segmentation machinery: spaces, candidate clusterings, selection, a portable model, and the
registry trainers for segmentations (:class:`SelectionTrainer`, :class:`KMeansTrainer`).

Two spaces are compared:

- ``original``: the features rescaled to [0, 1] with their training min/max (MinMaxScaler, as
  the reference, which chose it for the long-tailed e-commerce features);
- ``tree``: the reference's "tree embedding": a random forest regressor trained to predict
  ``target`` (revenue) from the other scaled features; each customer becomes the one-hot vector
  of the leaves it reaches in every tree, reduced to 2-D. The reference reduced with UMAP (not
  installed here); we use TruncatedSVD, which is linear, so the embedding of a new customer is
  just the sum of the stored projection rows of its leaves (no refit, fully reproducible).

In each space KMeans and a Gaussian mixture (full covariance) are fitted for every k in a
range; each candidate's silhouette (on a bounded, seeded sample) and WCSS (and BIC for the
mixture) are recorded. The rule: the highest silhouette among candidates with ``k >= min_k``;
ties go to the smaller k, then the original space, then KMeans.

The chosen model is stored as :class:`SegmentModel` JSON (``segment_json``): imputation and
scaling, forest node arrays and projection (tree space), centroids (KMeans) or
means/covariances/weights (mixture). Loading it only parses numbers; assigning a new row never
refits anything. Cluster ids are 1..k ordered by the training mean of ``target``, highest first.

:class:`KMeansTrainer` is the simple case: standardised features (missing values replaced by
the training medians), one KMeans with a fixed k, clusters numbered by the training mean of an
ordering column. Business rules on top of clusters (e.g. which clusters are "Insiders") live in
the domain modules.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import pairwise_distances
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from revenue_ml.ml.drift import reference_profile
from revenue_ml.ml.lifecycle import Trained, Trainer
from revenue_ml.ml.registry import fingerprint
from revenue_ml.ml.runtime import Runtime

SEGMENT_JSON = "segment_json"
SPACES = ("original", "tree")
FAMILIES = ("kmeans", "gmm")


@dataclass(frozen=True)
class SegmentParams:
    features: tuple[str, ...]
    target: str = "revenue"
    k_min: int = 2
    k_max: int = 12
    min_k: int = 3  # the selection considers only k >= min_k
    seed: int = 42
    silhouette_sample_size: int = 5000
    forest_trees: int = 50
    forest_max_leaf_nodes: int = 64
    spaces: tuple[str, ...] = SPACES
    families: tuple[str, ...] = FAMILIES

    def as_dict(self) -> dict:
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


# --- portable model ---------------------------------------------------------------------------


@dataclass
class SegmentModel:
    """A fitted segmentation as plain numbers: ``(x - center) / scale`` after replacing a
    missing value by ``impute`` (when given), then the space's embedding, then the nearest
    cluster (KMeans) or the most likely component (mixture), reported as ``cluster_ids``."""

    features: list[str]
    center: list[float]
    scale_by: list[float]
    space: str
    family: str
    # tree space: per tree {"left", "right", "feature", "threshold", "leaf_column"} node arrays
    forest_features: list[str] = field(default_factory=list)
    trees: list[dict] = field(default_factory=list)
    projection: list[list[float]] = field(default_factory=list)  # (n_leaf_columns, 2)
    centers: list[list[float]] = field(default_factory=list)  # KMeans centroids / GMM means
    covariances: list[list[list[float]]] = field(default_factory=list)  # GMM only
    weights: list[float] = field(default_factory=list)  # GMM only
    cluster_names: list[str] = field(default_factory=list)  # name of cluster i + 1
    impute: list[float] = field(default_factory=list)  # per feature; empty = no missing values
    cluster_ids: list[int] = field(default_factory=list)  # id of centre i; empty = 1..k

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SegmentModel:
        data = json.loads(text)
        # versions registered before the scaler was generalised stored min/range
        if "scaler_min" in data:
            data["center"], data["scale_by"] = data.pop("scaler_min"), data.pop("scaler_range")
        return cls(**data)

    def scale(self, frame: pd.DataFrame) -> np.ndarray:
        x = frame[self.features].astype(float).to_numpy()
        if self.impute:
            x = np.where(np.isnan(x), np.asarray(self.impute), x)
        return (x - np.asarray(self.center)) / np.asarray(self.scale_by)

    def embed(self, frame: pd.DataFrame) -> np.ndarray:
        """Coordinates in the model's space (scaled features, or the 2-D tree embedding)."""
        z = self.scale(frame)
        if self.space == "original":
            return z
        cols = [self.features.index(f) for f in self.forest_features]
        xf = z[:, cols].astype(np.float32)  # sklearn trees compare float32 inputs
        proj = np.asarray(self.projection)
        out = np.zeros((len(z), proj.shape[1]))
        for tree in self.trees:
            out += proj[_apply_tree(tree, xf)]
        return out

    def map_xy(self, frame: pd.DataFrame) -> np.ndarray:
        """2-D map coordinates: the embedding itself, or the first two scaled features."""
        e = self.embed(frame)
        return e[:, :2]

    def assign(self, frame: pd.DataFrame) -> np.ndarray:
        """Cluster id of each row, by the registered model, without refitting."""
        return self.assign_embedded(self.embed(frame))

    def assign_embedded(self, e: np.ndarray) -> np.ndarray:
        centers = np.asarray(self.centers)
        if self.family == "kmeans":
            d = ((e[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
            position = d.argmin(axis=1)
        else:
            scores = np.column_stack(
                [
                    np.log(w) + _log_gaussian(e, np.asarray(m), np.asarray(c))
                    for w, m, c in zip(self.weights, self.centers, self.covariances, strict=True)
                ]
            )
            position = scores.argmax(axis=1)
        ids = np.asarray(self.cluster_ids or range(1, len(centers) + 1))
        return ids[position]


def _apply_tree(tree: dict, x: np.ndarray) -> np.ndarray:
    """Leaf column reached by each row (vectorised descent over the node arrays)."""
    left, right = np.asarray(tree["left"]), np.asarray(tree["right"])
    feat, thr = np.asarray(tree["feature"]), np.asarray(tree["threshold"])
    node = np.zeros(len(x), dtype=int)
    while True:
        internal = left[node] != -1
        if not internal.any():
            break
        idx = np.nonzero(internal)[0]
        n = node[idx]
        go_left = x[idx, feat[n]] <= thr[n]
        node[idx] = np.where(go_left, left[n], right[n])
    return np.asarray(tree["leaf_column"])[node]


def _log_gaussian(x: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    chol = np.linalg.cholesky(cov)
    sol = np.linalg.solve(chol, (x - mean).T)
    maha = (sol**2).sum(axis=0)
    logdet = 2.0 * np.log(np.diag(chol)).sum()
    return -0.5 * (len(mean) * np.log(2 * np.pi) + logdet + maha)


# --- fitting ----------------------------------------------------------------------------------


def fit_scaler(frame: pd.DataFrame, features: list[str]) -> tuple[list[float], list[float]]:
    x = frame[features].astype(float).to_numpy()
    lo, hi = x.min(axis=0), x.max(axis=0)
    rng = np.where(hi - lo > 0, hi - lo, 1.0)
    return lo.tolist(), rng.tolist()


def fit_tree_embedding(
    z: np.ndarray, y: np.ndarray, forest_idx: list[int], p: SegmentParams
) -> tuple[list[dict], list[list[float]]]:
    """Forest on the scaled features -> leaves one-hot -> TruncatedSVD to 2-D."""
    forest = RandomForestRegressor(
        n_estimators=p.forest_trees,
        max_leaf_nodes=p.forest_max_leaf_nodes,
        random_state=p.seed,
        n_jobs=1,
    ).fit(z[:, forest_idx], y)
    trees, offset = [], 0
    for est in forest.estimators_:
        t = est.tree_
        is_leaf = t.children_left == -1
        leaf_column = np.full(t.node_count, -1)
        leaf_column[is_leaf] = offset + np.arange(is_leaf.sum())
        offset += int(is_leaf.sum())
        trees.append(
            {
                "left": t.children_left.tolist(),
                "right": t.children_right.tolist(),
                "feature": np.where(is_leaf, 0, t.feature).tolist(),
                "threshold": t.threshold.tolist(),
                "leaf_column": leaf_column.tolist(),
            }
        )
    xf = z[:, forest_idx].astype(np.float32)
    leaves = np.column_stack([_apply_tree(tree, xf) for tree in trees])
    onehot = sparse.csr_matrix(
        (np.ones(leaves.size), leaves.ravel(), np.arange(0, leaves.size + 1, len(trees))),
        shape=(len(z), offset),
    )
    svd = TruncatedSVD(n_components=2, random_state=p.seed).fit(onehot)
    return trees, svd.components_.T.tolist()


class SilhouetteSample:
    """Silhouette on a seeded sample of at most ``silhouette_sample_size`` rows, with the
    sample's pairwise distances computed once per space and shared by every candidate.

    Same sample and same value as ``sklearn.metrics.silhouette_score(e, labels,
    sample_size=..., random_state=seed)`` (a test checks it), without recomputing the distance
    matrix for each of the 22 candidates of a space.
    """

    def __init__(self, e: np.ndarray, p: SegmentParams) -> None:
        size = min(p.silhouette_sample_size, len(e))
        self.idx = np.random.RandomState(p.seed).permutation(len(e))[:size]
        self.dist = pairwise_distances(e[self.idx])

    def score(self, labels: np.ndarray) -> float:
        lab = np.asarray(labels)[self.idx]
        values, codes = np.unique(lab, return_inverse=True)
        if len(values) < 2:
            return float("nan")
        onehot = np.zeros((len(lab), len(values)))
        onehot[np.arange(len(lab)), codes] = 1.0
        sums = self.dist @ onehot  # distance of each point to all members of each cluster
        sizes = onehot.sum(axis=0)
        own = sizes[codes]
        a = sums[np.arange(len(lab)), codes] / np.maximum(own - 1, 1)
        mean_other = sums / sizes
        mean_other[np.arange(len(lab)), codes] = np.inf
        b = mean_other.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (b - a) / np.maximum(a, b)
        s = np.where(own > 1, np.nan_to_num(s), 0.0)  # sklearn: 0 for singleton clusters
        return float(s.mean())


def _wcss(e: np.ndarray, labels: np.ndarray) -> float:
    return float(
        sum(((e[labels == c] - e[labels == c].mean(axis=0)) ** 2).sum() for c in np.unique(labels))
    )


def _fit(family: str, e: np.ndarray, k: int, seed: int):
    if family == "kmeans":
        m = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(e)
        return m, m.labels_
    m = GaussianMixture(
        n_components=k, covariance_type="full", reg_covar=1e-6, random_state=seed
    ).fit(e)
    return m, m.predict(e)


@dataclass
class Selection:
    model: SegmentModel
    labels: np.ndarray  # cluster ids 1..k of the training rows
    # space, family, k, silhouette, wcss, revenue_separation, bic, is_chosen
    candidates: pd.DataFrame
    chosen: dict


def fit_segments(frame: pd.DataFrame, p: SegmentParams) -> Selection:
    """Every candidate (space x family x k), the selection rule, the chosen portable model.

    BLAS/OpenMP run single-threaded: on a shared machine oversubscribed thread pools made the
    small KMeans/GMM fits ~25x slower (and one thread keeps results bit-for-bit reproducible).
    """
    with threadpool_limits(limits=1):
        return _fit_segments(frame, p)


def _fit_segments(frame: pd.DataFrame, p: SegmentParams) -> Selection:
    features = list(p.features)
    lo, rng = fit_scaler(frame, features)
    base = SegmentModel(
        features=features, center=lo, scale_by=rng, space="original", family="kmeans"
    )
    z = base.scale(frame)
    spaces = {"original": (z, {})}
    if "tree" in p.spaces:
        forest_features = [f for f in features if f != p.target]
        idx = [features.index(f) for f in forest_features]
        trees, projection = fit_tree_embedding(z, frame[p.target].astype(float).to_numpy(), idx, p)
        tree_model = SegmentModel(
            **{
                **asdict(base),
                "space": "tree",
                "forest_features": forest_features,
                "trees": trees,
                "projection": projection,
            }
        )
        spaces["tree"] = (
            tree_model.embed(frame),
            {"forest_features": forest_features, "trees": trees, "projection": projection},
        )
    y_target = frame[p.target].astype(float).to_numpy()
    rows, fitted = [], {}
    for space in p.spaces:
        e = spaces[space][0]
        silhouette = SilhouetteSample(e, p)
        for family in p.families:
            for k in range(p.k_min, min(p.k_max, len(e) - 1) + 1):
                m, labels = _fit(family, e, k, p.seed)
                rows.append(
                    {
                        "space": space,
                        "family": family,
                        "k": k,
                        "silhouette": silhouette.score(labels),
                        "wcss": _wcss(e, labels),
                        "revenue_separation": revenue_separation(y_target, labels),
                        "bic": float(m.bic(e)) if family == "gmm" else None,
                    }
                )
                fitted[(space, family, k)] = (m, labels)
    cand = pd.DataFrame(rows)
    eligible = cand[(cand["k"] >= p.min_k) & cand["silhouette"].notna()]
    if eligible.empty:
        eligible = cand[cand["silhouette"].notna()]
    order = eligible.assign(
        _s=eligible["space"].map({s: i for i, s in enumerate(SPACES)}),
        _f=eligible["family"].map({f: i for i, f in enumerate(FAMILIES)}),
    )
    best = order.sort_values(
        ["silhouette", "k", "_s", "_f"], ascending=[False, True, True, True], kind="mergesort"
    ).iloc[0]
    space, family, k = str(best["space"]), str(best["family"]), int(best["k"])
    cand["is_chosen"] = (cand["space"] == space) & (cand["family"] == family) & (cand["k"] == k)
    m, raw = fitted[(space, family, k)]
    e = spaces[space][0]

    # relabel 1..k by mean target, highest first
    y = frame[p.target].astype(float).to_numpy()
    means = [y[raw == c].mean() if (raw == c).any() else -np.inf for c in range(k)]
    order_c = list(np.argsort(-np.asarray(means), kind="mergesort"))
    remap = np.empty(k, dtype=int)
    remap[order_c] = np.arange(1, k + 1)
    labels = remap[raw]
    model = SegmentModel(**{**asdict(base), "space": space, "family": family, **spaces[space][1]})
    if family == "kmeans":
        model.centers = m.cluster_centers_[order_c].tolist()
    else:
        model.centers = m.means_[order_c].tolist()
        model.covariances = m.covariances_[order_c].tolist()
        model.weights = m.weights_[order_c].tolist()
    model.cluster_names = cluster_names(frame, labels, features, p.target)
    chosen = {
        "space": space,
        "family": family,
        "k": k,
        "silhouette": float(best["silhouette"]),
        "revenue_separation": float(best["revenue_separation"]),
    }
    return Selection(model, labels, cand, chosen)


# --- names and value separation -----------------------------------------------------------------

#: Each feature's words for a segment above / below the customers' median.
TRAITS = {
    "recency_days": ("lapsed", "recent"),
    "distinct_stock_codes": ("broad-range", "narrow-range"),
    "basket_size": ("big-basket", "small-basket"),
    "returned_units": ("frequent-returns", "few-returns"),
    "revenue": ("high-spend", "low-spend"),
}


@dataclass(frozen=True)
class Trait:
    """How one segment differs from all customers on one feature: its median against the
    customers' median, in robust units (``strength``: the difference over the customers'
    interquartile range; for a feature most customers have at 0, e.g. returned units, the
    share of the segment above 0 against the customers' share, over its standard deviation)."""

    feature: str
    word: str
    strength: float
    segment_value: float
    overall_value: float


def _spread(values: np.ndarray) -> float:
    q1, q3 = np.percentile(values, [25, 75])
    iqr = float(q3 - q1)
    if iqr > 0:
        return iqr
    std = float(np.std(values))
    return std if std > 0 else 1.0


def cluster_traits(
    frame: pd.DataFrame, labels: np.ndarray, features: list[str]
) -> dict[int, list[Trait]]:
    """Per cluster (1..k), its traits on every feature, most distinctive first (ties: the
    feature order). A segment "is" recent when its median recency is below the customers'
    median, and so on: the words always agree with the medians (tested)."""
    out: dict[int, list[Trait]] = {}
    x = {f: frame[f].astype(float).to_numpy() for f in features}
    for c in range(1, int(labels.max()) + 1 if len(labels) else 1):
        mask = labels == c
        traits = []
        for f in features:
            values = x[f]
            hi, lo = TRAITS.get(f, (f"high {f.replace('_', ' ')}", f"low {f.replace('_', ' ')}"))
            if not mask.any():
                continue
            if np.median(values) == 0 and np.percentile(values, 75) == 0:
                # most customers have none: compare the share with any
                overall = float((values > 0).mean())
                mine = float((values[mask] > 0).mean())
                scale = float(np.sqrt(overall * (1 - overall))) or 1.0
            else:
                overall = float(np.median(values))
                mine = float(np.median(values[mask]))
                scale = _spread(values)
            diff = mine - overall
            if diff == 0:
                continue
            traits.append(Trait(f, hi if diff > 0 else lo, abs(diff) / scale, mine, overall))
        order = {f: i for i, f in enumerate(features)}
        out[c] = sorted(traits, key=lambda t: (-t.strength, order[t.feature]))
    return out


def cluster_names(
    frame: pd.DataFrame, labels: np.ndarray, features: list[str], target: str | None = None
) -> list[str]:
    """A readable, unique name per cluster from its two most distinctive traits
    (:func:`cluster_traits`), e.g. "High-spend, recent"; a third trait (then the cluster
    number) is added only when two clusters would otherwise share a name. ``target`` is
    accepted for compatibility and no longer excluded: revenue is a trait like the others."""
    traits = cluster_traits(frame, labels, features)
    words = [
        [t.word for t in traits.get(c, [])] or [f"cluster {c}"]
        for c in range(1, int(labels.max()) + 1 if len(labels) else 1)
    ]
    names = [", ".join(w[:2]) for w in words]
    for i in range(len(words)):
        if names.count(names[i]) > 1:
            clashing = [j for j, n in enumerate(names) if n == names[i]]
            for j in clashing:
                names[j] = ", ".join(words[j][:3])
    for i, name in enumerate(names):
        if names.count(name) > 1:
            names[i] = f"{name} ({i + 1})"
    return [name[:1].upper() + name[1:] for name in names]


def revenue_separation(revenue: np.ndarray, labels: np.ndarray) -> float:
    """Share of the variance of log(1 + revenue) explained by the clusters (eta squared, 0..1):
    how well a candidate separates customers by value, the business side of the choice."""
    r = np.log1p(np.clip(np.asarray(revenue, dtype=float), 0.0, None))
    total = float(((r - r.mean()) ** 2).sum())
    if total == 0.0:
        return 0.0
    between = sum(
        float((labels == c).sum()) * (r[labels == c].mean() - r.mean()) ** 2
        for c in np.unique(labels)
    )
    return float(between / total)


# --- registry trainers ---------------------------------------------------------------------------

SELECTION_EVALUATION = "selection"


@dataclass
class SelectionTrainer(Trainer):
    """Candidates over spaces x families x k, the selection rule, the chosen model registered
    (see :func:`fit_segments`). ``key`` orders the rows before fitting."""

    name: str
    domain: str
    key: str
    settings: SegmentParams
    quality_floor: float | None = None
    family: str = "segmentation"
    variant: str = "selected"

    @property
    def feature_names(self) -> list[str]:
        return list(self.settings.features)

    @property
    def categorical_features(self) -> list[str]:
        return []

    @property
    def params(self) -> dict:
        return self.settings.as_dict()

    def fingerprint(self, frame: pd.DataFrame) -> str:
        return fingerprint(frame, [self.key, *self.settings.features], key=self.key)

    def train(self, frame: pd.DataFrame, runtime: Runtime) -> Trained:
        frame = frame.sort_values(self.key, kind="mergesort").reset_index(drop=True)
        sel = fit_segments(frame, self.settings)
        evaluation = []
        for r in sel.candidates.itertuples(index=False):
            fold = f"{r.space}_{r.family}_k{r.k}"
            values = {
                "silhouette": r.silhouette,
                "wcss": r.wcss,
                "revenue_separation": r.revenue_separation,
            }
            if r.bic is not None and not pd.isna(r.bic):
                values["bic"] = r.bic
            evaluation += [
                {"evaluation": SELECTION_EVALUATION, "fold": fold, "metric": k, "value": v}
                for k, v in values.items()
            ]
        sizes = np.bincount(sel.labels, minlength=sel.chosen["k"] + 1)[1:]
        runtime.log(
            f"{len(sel.candidates)} candidates; chosen {sel.chosen['space']} space, "
            f"{sel.chosen['family']}, k={sel.chosen['k']}, silhouette "
            f"{sel.chosen['silhouette']:.4f}"
        )
        return Trained(
            model_family=sel.chosen["family"],
            model_format=SEGMENT_JSON,
            model_text=sel.model.to_json(),
            training_rows=len(frame),
            primary_metric=f"{SELECTION_EVALUATION}.silhouette",
            primary_metric_value=sel.chosen["silhouette"],
            metrics={
                SELECTION_EVALUATION: {
                    **sel.chosen,
                    "cluster_sizes": sizes.tolist(),
                    "cluster_names": sel.model.cluster_names,
                }
            },
            evaluation=evaluation,
            reference_profile={"rows": len(frame)},
            selected_params={
                "space": sel.chosen["space"],
                "family": sel.chosen["family"],
                "k": sel.chosen["k"],
            },
        )


@dataclass
class KMeansTrainer(Trainer):
    """KMeans with a fixed ``k`` on standardised ``features`` (missing values replaced by the
    training medians), clusters numbered ``first_id``, ``first_id + 1``, ... by the training
    mean of ``order_by`` (ascending), so the numbering is stable across builds."""

    name: str
    domain: str
    key: str
    features: list[str]
    k: int
    order_by: str
    seed: int = 42
    first_id: int = 0
    silhouette_sample_size: int = 5000
    quality_floor: float | None = None
    family: str = "kmeans"

    @property
    def variant(self) -> str:
        return f"k{self.k}"

    @property
    def feature_names(self) -> list[str]:
        return list(self.features)

    @property
    def categorical_features(self) -> list[str]:
        return []

    @property
    def params(self) -> dict:
        return {
            "family": "kmeans",
            "k": self.k,
            "seed": self.seed,
            "order_by": self.order_by,
            "first_id": self.first_id,
            "n_init": 10,
            "scaling": "standard",
            "silhouette_sample_size": self.silhouette_sample_size,
        }

    def fingerprint(self, frame: pd.DataFrame) -> str:
        columns = [*self.features, self.order_by]
        return fingerprint(frame, list(dict.fromkeys(columns)), key=self.key)

    def train(self, frame: pd.DataFrame, runtime: Runtime) -> Trained:
        frame = frame.sort_values(self.key, kind="mergesort").reset_index(drop=True)
        x = frame[self.features].astype(float)
        medians = x.median()
        filled = x.fillna(medians).to_numpy()
        mean, std = filled.mean(axis=0), filled.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        z = (filled - mean) / std
        with threadpool_limits(limits=1):
            km = KMeans(n_clusters=self.k, n_init=10, random_state=self.seed).fit(z)
        spend = pd.Series(frame[self.order_by].astype(float).to_numpy()).groupby(km.labels_)
        order = list(spend.mean().sort_values(kind="mergesort").index)
        ids = {int(c): self.first_id + rank for rank, c in enumerate(order)}
        labels = np.array([ids[int(c)] for c in km.labels_])
        params = SegmentParams(
            features=tuple(self.features),
            seed=self.seed,
            silhouette_sample_size=self.silhouette_sample_size,
        )
        silhouette = SilhouetteSample(z, params).score(labels) if len(z) > self.k else float("nan")
        model = SegmentModel(
            features=list(self.features),
            center=mean.tolist(),
            scale_by=std.tolist(),
            space="original",
            family="kmeans",
            centers=km.cluster_centers_.tolist(),
            impute=medians.astype(float).tolist(),
            cluster_ids=[ids[c] for c in range(self.k)],
        )
        sizes = {str(c): int((labels == c).sum()) for c in sorted(set(labels.tolist()))}
        runtime.log(f"k={self.k}: silhouette {silhouette:.4f}, sizes {sizes}")
        return Trained(
            model_family="kmeans",
            model_format=SEGMENT_JSON,
            model_text=model.to_json(),
            training_rows=len(frame),
            primary_metric="fit.silhouette",
            primary_metric_value=silhouette,
            metrics={
                "fit": {"silhouette": silhouette, "wcss": _wcss(z, labels), "cluster_sizes": sizes}
            },
            evaluation=[
                {"evaluation": "fit", "fold": "all", "metric": "silhouette", "value": silhouette},
                {"evaluation": "fit", "fold": "all", "metric": "wcss", "value": _wcss(z, labels)},
            ],
            reference_profile=reference_profile(frame, list(self.features), [], self.seed),
        )
