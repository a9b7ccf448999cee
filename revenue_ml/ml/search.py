"""Bounded hyper-parameter search: a few candidates, scored by cross-validated F1.

The search runs on the training part of the spec's protocol only: when the spec holds out a
stratified test split (``test_share``), those rows are set aside exactly as
:func:`revenue_ml.ml.binary.train` does (same seed), so the held-out figures stay unbiased.
Each candidate's score is the F1 of its out-of-fold probabilities at their F1-optimal
threshold. The search stops after ``max_candidates`` candidates or once ``max_seconds`` have
elapsed (checked between candidates; the first candidate, the base parameters, always runs).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sklearn.model_selection import ParameterSampler, StratifiedKFold, train_test_split

from revenue_ml.ml import binary
from revenue_ml.ml import evaluation as ev

#: ``evaluation`` name of the search rows in the shared evaluation layout.
SEARCH_EVALUATION = "search"


@dataclass(frozen=True)
class SearchSpace:
    """Where and how long to search.

    ``grid`` maps a hyper-parameter to the values to sample from; candidate 1 is the spec's own
    parameters, the next ones are sampled without replacement with ``seed``.
    """

    grid: dict[str, list]
    max_candidates: int = 8
    max_seconds: float = 120.0
    cv_folds: int = 5
    seed: int = 42

    def describe(self) -> dict:
        """JSON-able description (part of a candidate's params, so changing it retrains)."""
        return {"grid": {k: list(v) for k, v in sorted(self.grid.items())},
                "max_candidates": self.max_candidates, "max_seconds": self.max_seconds,
                "cv_folds": self.cv_folds, "seed": self.seed}


@dataclass
class Trial:
    """One candidate: its parameters, cross-validated F1 (at its best threshold) and AUC."""

    candidate: int
    params: dict
    cv_f1: float
    cv_threshold: float
    cv_auc: float
    seconds: float


@dataclass
class SearchResult:
    """All trials, in the order run, and the best one's parameters."""

    trials: list[Trial] = field(default_factory=list)

    @property
    def best(self) -> Trial:
        # Highest F1; ties go to the earlier candidate (the base parameters first).
        return max(self.trials, key=lambda t: (t.cv_f1, -t.candidate))

    def evaluation_rows(self) -> list[dict]:
        """Long rows (evaluation='search', fold='candidate_NN') for the shared evaluation table:
        cv_f1, cv_threshold, cv_auc, seconds, is_selected and every numeric hyper-parameter."""
        best = self.best.candidate
        rows = []
        for t in self.trials:
            fold = f"candidate_{t.candidate:02d}"
            values = {"cv_f1": t.cv_f1, "cv_threshold": t.cv_threshold, "cv_auc": t.cv_auc,
                      "seconds": t.seconds, "is_selected": float(t.candidate == best)}
            for name, value in sorted(t.params.items()):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    values[f"param.{name}"] = float(value)
            rows += [{"evaluation": SEARCH_EVALUATION, "fold": fold, "metric": k, "value": v}
                     for k, v in values.items()]
        return rows

    def summary(self) -> dict:
        """Headline of the search for the registry's ``metrics`` JSON."""
        return {"candidates": float(len(self.trials)), "best_candidate": float(self.best.candidate),
                "best_cv_f1": self.best.cv_f1,
                "seconds": float(sum(t.seconds for t in self.trials))}


def training_part(labelled: pd.DataFrame, spec: binary.BinarySpec) -> pd.DataFrame:
    """The labelled rows outside the spec's held-out test split (all of them without one)."""
    if not spec.test_share:
        return labelled
    y = labelled[spec.target].astype(int).to_numpy()
    train_idx, _ = train_test_split(np.arange(len(y)), test_size=spec.test_share, stratify=y,
                                    random_state=spec.seed)
    return labelled.iloc[np.sort(train_idx)].reset_index(drop=True)


def cross_validated_f1(x: pd.DataFrame, y: np.ndarray, spec: binary.BinarySpec, family: str,
                       folds: int) -> tuple[float, float, float]:
    """(F1 at the F1-optimal threshold, that threshold, AUC) of out-of-fold probabilities."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=spec.seed)
    oof = np.zeros(len(y))
    for train_idx, test_idx in splitter.split(x, y):
        model = binary.fit(x.iloc[train_idx], y[train_idx], spec, family)
        oof[test_idx] = binary.predict_proba(model, x.iloc[test_idx], spec)
    threshold = ev.best_f1_threshold(y, oof)
    metrics = ev.binary_metrics(y, oof, threshold)
    return metrics["f1"], threshold, metrics["auc"]


def candidate_params(spec: binary.BinarySpec, space: SearchSpace) -> list[dict]:
    """Candidate parameter sets: the spec's own, then distinct samples of the grid."""
    out = [dict(spec.params)]
    if space.max_candidates <= 1 or not space.grid:
        return out
    total = int(np.prod([len(v) for v in space.grid.values()]))
    sampler = ParameterSampler(space.grid, n_iter=min(total, space.max_candidates * 3),
                               random_state=space.seed)
    for sample in sampler:
        params = {**spec.params, **sample}
        if params not in out:
            out.append(params)
        if len(out) >= space.max_candidates:
            break
    return out


def search(frame: pd.DataFrame, spec: binary.BinarySpec, family: str, space: SearchSpace,
           clock=time.monotonic) -> SearchResult:
    """Run the bounded search on ``frame``'s labelled training rows; see the module docstring."""
    labelled = training_part(binary.validate(frame, spec), spec)
    x = binary.prepare(labelled, spec)
    y = labelled[spec.target].astype(int).to_numpy()
    folds = max(2, min(space.cv_folds, int(np.bincount(y).min())))
    result = SearchResult()
    start = clock()
    for i, params in enumerate(candidate_params(spec, space), start=1):
        if i > 1 and clock() - start >= space.max_seconds:
            break
        began = clock()
        f1, threshold, auc = cross_validated_f1(x, y, replace(spec, params=params), family, folds)
        result.trials.append(Trial(i, params, f1, threshold, auc, clock() - began))
    return result
