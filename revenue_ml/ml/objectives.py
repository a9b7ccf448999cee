"""Business objectives of a contact list: each turns a model's probabilities into a contact
threshold, with the economics that threshold gives.

A contact costs ``cost_per_contact``; a contacted customer who responds brings
``revenue_per_responder``. An objective (a seed row: name, rule, target) picks a threshold by
one of three rules (:data:`OBJECTIVE_RULES`): the highest threshold that still reaches a
minimum recall (``min_recall``), the F1-optimal one (``max_f1``) or the break-even probability
(``max_profit``). The thresholds and their economics (contacts, responders, cost, revenue,
profit, with a bootstrap band over the customers) are computed on out-of-fold probabilities
at training time (:func:`objective_rows`, :func:`profit_curve`: the hooks a
:class:`revenue_ml.ml.binary.BinaryTrainer` takes) and stored as ``objective`` rows of the
registered version's evaluation (:func:`objective_thresholds` reads them back).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd

from revenue_ml.ml import evaluation as ev

#: ``evaluation`` name of the objective rows in the shared evaluation layout.
OBJECTIVE_EVALUATION = "objective"
OBJECTIVE_RULES = ("min_recall", "max_f1", "max_profit")
#: Percentiles of the bootstrap band of the expected profit.
PROFIT_BAND = (5.0, 95.0)
#: Thresholds of the expected-profit curve.
PROFIT_CURVE_THRESHOLDS = np.round(np.linspace(0.0, 1.0, 101), 2)


def economics(
    y: np.ndarray,
    prob: np.ndarray,
    threshold: float,
    cost_per_contact: float,
    revenue_per_responder: float,
) -> dict[str, float]:
    """Expected outcome of contacting every row with ``prob >= threshold``.

    contacts = rows contacted; responders = contacted rows that responded;
    cost = contacts x cost_per_contact; revenue = responders x revenue_per_responder;
    profit = revenue - cost; customers = the rows given. Computed on the rows given (the
    out-of-fold labelled rows, not scaled).
    """
    y = np.asarray(y, dtype=int)
    contacted = np.asarray(prob, dtype=float) >= threshold
    contacts = float(contacted.sum())
    responders = float((contacted & (y == 1)).sum())
    cost = contacts * cost_per_contact
    revenue = responders * revenue_per_responder
    positives = float((y == 1).sum())
    return {
        "threshold": float(threshold),
        "contacts": contacts,
        "responders": responders,
        "recall": responders / positives if positives else float("nan"),
        "precision": responders / contacts if contacts else float("nan"),
        "cost": cost,
        "revenue": revenue,
        "profit": revenue - cost,
        "customers": float(len(y)),
    }


def min_recall_threshold(y: np.ndarray, prob: np.ndarray, target: float) -> float:
    """The highest threshold whose recall is still >= ``target`` (fewest contacts)."""
    y = np.asarray(y, dtype=int)
    prob = np.asarray(prob, dtype=float)
    positives = max((y == 1).sum(), 1)
    best = float(ev.threshold_candidates(prob)[0])
    for t in ev.threshold_candidates(prob):
        if ((prob >= t) & (y == 1)).sum() / positives >= target:
            best = float(t)
    return best


def max_profit_threshold(cost_per_contact: float, revenue_per_responder: float) -> float:
    """The break-even response probability, ``cost / revenue``: contacting a customer earns
    ``p x revenue - cost`` in expectation, so contacting exactly the customers above it
    maximises the expected profit of any list drawn from the same (calibrated) probabilities.
    The plan (campaign_plan, a sum of those expectations) of this objective is therefore the
    most profitable of all objectives on the customers it plans for; its measured economics are
    the out-of-fold outcomes at this threshold."""
    if revenue_per_responder <= 0:
        raise ValueError(f"revenue per responder must be positive, got {revenue_per_responder}")
    return float(cost_per_contact) / float(revenue_per_responder)


def objective_threshold(
    rule: str,
    target: float | None,
    y: np.ndarray,
    prob: np.ndarray,
    cost_per_contact: float,
    revenue_per_responder: float,
) -> float:
    """Threshold of one objective rule: min_recall (target = recall), max_f1 or max_profit."""
    if rule == "min_recall":
        if target is None or not 0 < target <= 1:
            raise ValueError(f"min_recall needs a target in (0, 1], got {target!r}")
        return min_recall_threshold(y, prob, target)
    if rule == "max_f1":
        return ev.best_f1_threshold(y, prob)
    if rule == "max_profit":
        return max_profit_threshold(cost_per_contact, revenue_per_responder)
    raise ValueError(f"unknown objective rule {rule!r}; expected one of {OBJECTIVE_RULES}")


def objective_rows(
    objectives: list[dict],
    cost_per_contact: float,
    revenue_per_responder: float,
    resamples: int = 0,
    seed: int = 42,
) -> Callable[[np.ndarray, np.ndarray], list[dict]]:
    """An ``extra_evaluation`` hook: per objective, its threshold and economics as long rows
    (evaluation='objective', fold=<objective name>); with ``resamples`` > 0 also the bootstrap
    band of its profit and responders (:func:`profit_band`)."""

    def rows(y: np.ndarray, prob: np.ndarray) -> list[dict]:
        thresholds = []
        for obj in objectives:
            target = obj.get("target_value")
            target = None if target is None or pd.isna(target) else float(target)
            thresholds.append(
                objective_threshold(
                    obj["rule"], target, y, prob, cost_per_contact, revenue_per_responder
                )
            )
        band = (
            profit_band(
                y,
                prob,
                np.asarray(thresholds),
                cost_per_contact,
                revenue_per_responder,
                resamples,
                seed,
            )
            if resamples > 0 and thresholds
            else None
        )
        out = []
        for j, (obj, t) in enumerate(zip(objectives, thresholds, strict=True)):
            values = economics(y, prob, t, cost_per_contact, revenue_per_responder)
            values.update(
                {
                    "cost_per_contact": cost_per_contact,
                    "revenue_per_responder": revenue_per_responder,
                }
            )
            if band is not None:
                for name in ("profit_low", "profit_high", "responders_low", "responders_high"):
                    values[name] = float(band[name][j])
            out += [
                {
                    "evaluation": OBJECTIVE_EVALUATION,
                    "fold": obj["objective"],
                    "metric": k,
                    "value": v,
                }
                for k, v in values.items()
            ]
        return out

    return rows


def profit_band(
    y: np.ndarray,
    prob: np.ndarray,
    thresholds: np.ndarray,
    cost_per_contact: float,
    revenue_per_responder: float,
    resamples: int,
    seed: int = 42,
) -> dict[str, np.ndarray]:
    """Expected profit at each threshold and its bootstrap band over the customers.

    ``y``, ``prob``: labels and out-of-fold probabilities, shape (n,); ``thresholds``: shape
    (t,). Each of ``resamples`` seeded resamples draws n customers with replacement and
    recomputes contacts, responders and profit at every threshold (the thresholds stay fixed:
    the band is the sampling uncertainty of the economics a threshold gives, not of the
    threshold's choice). Returns arrays of shape (t,): ``profit`` (on the rows as given),
    ``profit_low`` / ``profit_high`` (the :data:`PROFIT_BAND` percentiles), the same for
    ``responders``, and ``contacts``.
    """
    y = np.asarray(y, dtype=int)
    prob = np.asarray(prob, dtype=float)
    thresholds = np.asarray(thresholds, dtype=float)
    # contacted[i, j]: row i is contacted at threshold j
    contacted = prob[:, None] >= thresholds[None, :]
    responded = contacted & (y[:, None] == 1)
    rng = np.random.default_rng(seed)
    # counts[b, i]: how often row i is drawn in resample b (a multinomial draw of n rows)
    counts = rng.multinomial(len(y), np.full(len(y), 1.0 / len(y)), size=max(resamples, 1))
    contacts_b = counts @ contacted.astype(float)
    responders_b = counts @ responded.astype(float)
    profit_b = responders_b * revenue_per_responder - contacts_b * cost_per_contact
    low, high = PROFIT_BAND
    contacts = contacted.sum(axis=0).astype(float)
    responders = responded.sum(axis=0).astype(float)
    return {
        "threshold": thresholds,
        "contacts": contacts,
        "responders": responders,
        "profit": responders * revenue_per_responder - contacts * cost_per_contact,
        "profit_low": np.percentile(profit_b, low, axis=0),
        "profit_high": np.percentile(profit_b, high, axis=0),
        "responders_low": np.percentile(responders_b, low, axis=0),
        "responders_high": np.percentile(responders_b, high, axis=0),
    }


def profit_curve(
    cost_per_contact: float, revenue_per_responder: float, resamples: int, seed: int = 42
) -> Callable[[np.ndarray, np.ndarray], dict]:
    """An ``extra_curves`` hook: the curve ``expected_profit`` (one point per threshold of
    :data:`PROFIT_CURVE_THRESHOLDS`: contacts, responders, profit and its band)."""

    def curves(y: np.ndarray, prob: np.ndarray) -> dict:
        band = profit_band(
            y,
            prob,
            PROFIT_CURVE_THRESHOLDS,
            cost_per_contact,
            revenue_per_responder,
            resamples,
            seed,
        )
        points = [{k: float(band[k][j]) for k in band} for j in range(len(PROFIT_CURVE_THRESHOLDS))]
        return {"expected_profit": points}

    return curves


def objectives_from_seed(seed: pd.DataFrame) -> list[dict]:
    """The objectives seed as plain dicts, in display order."""
    rows = seed.sort_values("display_order")
    out = []
    for r in rows.itertuples(index=False):
        target = None if pd.isna(r.target_value) else float(r.target_value)
        if r.rule not in OBJECTIVE_RULES:
            raise ValueError(f"objective {r.objective}: unknown rule {r.rule!r}")
        out.append({"objective": str(r.objective), "rule": str(r.rule), "target_value": target})
    return out


def objective_thresholds(record: dict) -> dict[str, float]:
    """Each objective's contact threshold, as registered with the model version."""
    rows = json.loads(record["evaluation"])
    return {
        r["fold"]: float(r["value"])
        for r in rows
        if r["evaluation"] == OBJECTIVE_EVALUATION and r["metric"] == "threshold"
    }
