"""Scoring rows with a registered binary classifier: probability, label, threshold, and the
top driver and reasons in business words for the rows someone acts on.

The same function scores in the build's scoring marts (the domains' ``score_*``), for raw
records (:mod:`revenue_ml.score`: the CLI, the REST service, the dashboard's upload) and in
the MLflow models (:mod:`revenue_ml.ml.pyfunc`), so a record gets the same probability and
reasons everywhere. The version that scores is picked by the lifecycle
(:func:`revenue_ml.ml.lifecycle.serving`); its own feature list wins over the code's.

A :class:`Route` is how a domain scores records outside the build: which registered model
scores which rows, with which spec and words (each domain module lists its ``ROUTES``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from revenue_ml.ml import reasons
from revenue_ml.ml.binary import BinarySpec, prepare
from revenue_ml.ml.families import load
from revenue_ml.ml.registry import json_field


def spec_from_record(record: dict, base: BinarySpec) -> BinarySpec:
    """The spec a registered model was trained with (its own feature list wins over code)."""
    features = json.loads(record["feature_names"])
    categorical = json.loads(record["categorical_features"])
    numeric = [f for f in features if f not in categorical]
    return replace(base, numeric=numeric, categorical=categorical)


def score(
    frame: pd.DataFrame,
    record: dict,
    base: BinarySpec,
    explain: bool | np.ndarray | Callable[[pd.DataFrame], np.ndarray] = True,
    labels: Mapping[str, reasons.FeatureLabel] | None = None,
    out_of_sample: bool = False,
    threads: int = 1,
    skip: frozenset[str] = frozenset(),
    wording: reasons.Wording | None = None,
) -> pd.DataFrame:
    """Score rows with a registered version: probability, label, threshold, top driver and
    the reasons in business words (:mod:`revenue_ml.ml.reasons`, worded by ``labels``; the
    features in ``skip`` are left out of the reasons; ``wording``: the factors pushing each
    way, see :func:`revenue_ml.ml.reasons.row_reasons`).

    ``explain``: True (every row), False (none), a boolean mask of the rows to explain, or a
    function of the scores (probability, predicted_label, in ``frame``'s row order) returning
    that mask, e.g. "the customers predicted to churn".
    ``out_of_sample``: a row the version was trained on gets its out-of-sample probability
    (out-of-fold or held-out, stored at training) instead of the final model's in-sample one;
    ``score_source`` says which (:data:`MODEL_SCORE` for rows the model never saw).
    The top driver comes from per-row contributions (the family's
    :meth:`~revenue_ml.ml.families.base.BinaryModel.contributions`), which cost more than the
    probability, so the scoring marts explain only the rows someone acts on; the other rows
    get a null driver. ``threads``: the prediction's threads (the probabilities do not depend
    on it).
    """
    spec = spec_from_record(record, base)
    model = load(record["model_format"], record["model_text"])
    x = prepare(frame, spec)
    prob = model.predict_proba(x, spec, threads) if len(frame) else np.zeros(0)
    source = np.full(len(frame), MODEL_SCORE, dtype=object)
    if out_of_sample:
        prob, source = _out_of_sample(frame[spec.key], prob, record)
    threshold = float(record["threshold"])
    label = (prob >= threshold).astype(int)
    if callable(explain):
        explain = explain(pd.DataFrame({"probability": prob, "predicted_label": label}))
    mask = (
        np.full(len(frame), bool(explain))
        if isinstance(explain, bool)
        else np.asarray(explain, dtype=bool)
    )
    top_feature = np.full(len(frame), None, dtype=object)
    top_value = np.full(len(frame), np.nan)
    reason_text = np.full(len(frame), None, dtype=object)
    if mask.any():
        names, contrib = model.contributions(x[mask], spec, threads)
        strongest = np.abs(contrib).argmax(axis=1)
        top_feature[mask] = [names[i] for i in strongest]
        top_value[mask] = contrib[np.arange(len(strongest)), strongest]
        reason_text[mask] = reasons.row_reasons(
            names,
            contrib,
            frame.iloc[np.flatnonzero(mask)],
            labels or {},
            reasons.averages(_profile(record)),
            categorical=frozenset(spec.categorical),
            skip=skip,
            wording=wording,
        )
    return pd.DataFrame(
        {
            spec.key: frame[spec.key].to_numpy(),
            "probability": prob,
            "predicted_label": label,
            "threshold": threshold,
            "top_feature": top_feature,
            "top_feature_contribution": top_value,
            "reasons": reason_text,
            "score_source": source,
            "model_name": record["model_name"],
            "model_version": int(record["model_version"]),
        }
    )


#: ``score_source`` of a row scored by the registered model itself (it never saw the row).
MODEL_SCORE = "model"


def _out_of_sample(
    keys: pd.Series, prob: np.ndarray, record: dict
) -> tuple[np.ndarray, np.ndarray]:
    """``prob`` with each training row's stored out-of-sample probability, and the source of
    every row's probability (the evaluation name, or :data:`MODEL_SCORE`)."""
    stored = json_field(record.get("out_of_sample"))
    source = np.full(len(prob), MODEL_SCORE, dtype=object)
    if not stored or not stored.get("key"):
        return prob, source
    lookup = pd.DataFrame(
        {"probability": stored["probability"], "evaluation": stored["evaluation"]},
        index=pd.Index(stored["key"], dtype=object),
    )
    found = lookup.reindex(keys.astype(str).to_numpy())
    known = found["probability"].notna().to_numpy()
    prob = np.where(known, found["probability"].to_numpy(dtype=float), prob)
    source[known] = found["evaluation"].to_numpy()[known]
    return prob, source


def _profile(record: dict) -> dict:
    """The registered version's ``reference_profile`` (training data summary), parsed."""
    return json_field(record.get("reference_profile"))


# --- Routes: which model scores which records ------------------------------------------------


def every_row(features: pd.DataFrame) -> np.ndarray:
    """The rows mask of a route that scores every record."""
    return np.ones(len(features), dtype=bool)


@dataclass(frozen=True)
class Route:
    """A registered model, the rows it scores (a boolean mask of the features) and the words
    its reasons use (the domain's feature labels, :mod:`revenue_ml.ml.reasons`)."""

    model_name: str
    spec: BinarySpec
    rows: Callable[[pd.DataFrame], np.ndarray] = every_row
    labels: Mapping = field(default_factory=dict)
    #: Registered models trained on the same rows and features (the baselines): never scored
    #: by the route itself, but their MLflow models (:mod:`revenue_ml.ml.pyfunc`) score the
    #: same records.
    alternatives: tuple[str, ...] = ()
    #: What the rows are, and the raw column that decides it: for the message to a record
    #: this route does not take (an MLflow model scores its own route's records only).
    rows_described: str = "every record"
    rows_column: str | None = None
    #: Changes to the domain's example record that make it one of this route's.
    example_changes: Mapping = field(default_factory=dict)
    #: Columns a version's own inputs need beyond the featurised record, added from the
    #: registry record (the open offers' age at the as-of date the version was trained on).
    prepare: Callable[[pd.DataFrame, Mapping], pd.DataFrame] | None = None
    #: Features the reasons leave out, and how the reasons name the two directions.
    skip: frozenset = frozenset()
    wording: reasons.Wording | None = None

    def inputs(self, features: pd.DataFrame, record: Mapping) -> pd.DataFrame:
        """The features a version of this route scores (with :attr:`prepare`'s columns)."""
        return features if self.prepare is None else self.prepare(features, record)

    def score(
        self, features: pd.DataFrame, record: Mapping, explain: bool, threads: int = 1
    ) -> pd.DataFrame:
        """:func:`score` of the route's rows ``features`` with the registered version
        ``record``, worded as the route says. The model's own probability: a record is new
        data, even when its key matches a training row (an id may come back with changed
        values)."""
        return score(
            self.inputs(features, record),
            record,
            self.spec,
            explain,
            labels=self.labels,
            threads=threads,
            skip=self.skip,
            wording=self.wording,
        )
