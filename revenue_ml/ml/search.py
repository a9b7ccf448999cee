"""Bounded hyper-parameter search: a fixed number of candidates, scored by cross-validated F1.

The search sees the fit part of the spec's protocol only
(:func:`revenue_ml.ml.protocols.fit_part`: the holdout is set aside exactly as
:func:`revenue_ml.ml.binary.train` sets it aside), so the
held-out figures stay unbiased. Candidate 1 is the spec's own parameters; the next ones are
distinct samples of the grid drawn with a fixed seed. Each candidate's score is the F1 of its
out-of-fold probabilities at their F1-optimal threshold (ties go to the earlier candidate).

The budget is a number of candidates, never a number of seconds: a time box would make the
selected model depend on how busy the machine was, and the same data must give the same model.
Why not Optuna's TPE: with a budget of 8 candidates its sampler is still in its random start-up
phase (``n_startup_trials`` = 10), i.e. it samples exactly like this search; pruning would save
folds of bad candidates, but every candidate here costs well under a second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.model_selection import ParameterSampler

from revenue_ml.ml import evaluation as ev
from revenue_ml.ml import protocols
from revenue_ml.ml.families import BinaryModel, prepare_features
from revenue_ml.ml.runtime import SERIAL, Runtime

if TYPE_CHECKING:  # the binary trainer runs the search
    from revenue_ml.ml.binary import BinarySpec

#: ``evaluation`` name of the search rows in the shared evaluation layout.
SEARCH_EVALUATION = "search"


@dataclass(frozen=True)
class SearchSpace:
    """What to search: ``grid`` maps a hyper-parameter to the values to sample from."""

    grid: dict[str, list]
    max_candidates: int = 8
    cv_folds: int = 5
    seed: int = 42

    def describe(self) -> dict:
        """JSON-able description (part of a model's params, so changing it retrains)."""
        return {
            "grid": {k: list(v) for k, v in sorted(self.grid.items())},
            "max_candidates": self.max_candidates,
            "cv_folds": self.cv_folds,
            "seed": self.seed,
        }


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
    """All trials, in candidate order, and the best one's parameters."""

    trials: list[Trial] = field(default_factory=list)

    @property
    def best(self) -> Trial:
        # Highest F1; ties go to the earlier candidate (the base parameters first).
        return max(self.trials, key=lambda t: (t.cv_f1, -t.candidate))

    def evaluation_rows(self) -> list[dict]:
        """Long rows (evaluation='search', fold='candidate_NN') for the shared evaluation table:
        cv_f1, cv_threshold, cv_auc, is_selected and every numeric hyper-parameter. (Seconds
        are logged, not stored: the registry holds what the data determines, so two builds of
        the same data give identical rows; the run's time is ``training_seconds``.)"""
        best = self.best.candidate
        rows = []
        for t in self.trials:
            fold = f"candidate_{t.candidate:02d}"
            values = {
                "cv_f1": t.cv_f1,
                "cv_threshold": t.cv_threshold,
                "cv_auc": t.cv_auc,
                "is_selected": float(t.candidate == best),
            }
            for name, value in sorted(t.params.items()):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    values[f"param.{name}"] = float(value)
            rows += [
                {"evaluation": SEARCH_EVALUATION, "fold": fold, "metric": k, "value": v}
                for k, v in values.items()
            ]
        return rows

    def summary(self) -> dict:
        """Headline of the search for the registry's ``metrics`` JSON."""
        return {
            "candidates": float(len(self.trials)),
            "best_candidate": float(self.best.candidate),
            "best_cv_f1": self.best.cv_f1,
        }


def training_part(labelled: pd.DataFrame, spec: BinarySpec) -> pd.DataFrame:
    """The labelled rows the search may use: the fit part, in key order."""
    return protocols.fit_part(protocols.in_key_order(labelled, spec.key), spec)


def candidate_params(spec: BinarySpec, space: SearchSpace) -> list[dict]:
    """Candidate parameter sets: the spec's own, then distinct samples of the grid."""
    out = [dict(spec.params)]
    if space.max_candidates <= 1 or not space.grid:
        return out
    total = int(np.prod([len(v) for v in space.grid.values()]))
    sampler = ParameterSampler(
        space.grid, n_iter=min(total, space.max_candidates * 3), random_state=space.seed
    )
    for sample in sampler:
        params = {**spec.params, **sample}
        if params not in out:
            out.append(params)
        if len(out) >= space.max_candidates:
            break
    return out


def search(
    frame: pd.DataFrame,
    spec: BinarySpec,
    model: type[BinaryModel],
    space: SearchSpace,
    runtime: Runtime = SERIAL,
) -> SearchResult:
    """Run the bounded search of ``model`` (a family's class) on ``frame``'s labelled fit
    part; see the module docstring."""
    labelled = training_part(protocols.validate(frame, spec), spec)
    x = prepare_features(labelled, spec.numeric, spec.categorical)
    y = labelled[spec.target].astype(int).to_numpy()
    folds = max(2, min(space.cv_folds, int(np.bincount(y).min())))
    quiet = runtime.silent()  # one line per candidate, not one per fold
    candidates = candidate_params(spec, space)
    result = SearchResult()
    for i, params in enumerate(candidates, start=1):
        began = time.monotonic()
        candidate = replace(spec, params=params)
        oof, _ = protocols.cross_validate(x, y, candidate, model, folds, quiet)
        threshold = ev.best_f1_threshold(y, oof)
        metrics = ev.binary_metrics(y, oof, threshold)
        result.trials.append(
            Trial(i, params, metrics["f1"], threshold, metrics["auc"], time.monotonic() - began)
        )
        runtime.log(
            f"search candidate {i}/{len(candidates)}: cv f1 {metrics['f1']:.4f} "
            f"(best so far {result.best.cv_f1:.4f}, candidate {result.best.candidate}) "
            f"in {time.monotonic() - began:.2f} s"
        )
    return result
