"""A forecaster that learns, on backtest origins, which method to trust where; reconciles the
hierarchy; and gives intervals with measured coverage.

Input: one row per period and unit (e.g. a class) with each base method's forecast (NaN where
the method cannot forecast the row), whether each method is *available* for the row (a method
may produce a number without information behind it, e.g. a seasonal naive for a course that
did not run a year earlier), the actual count and whether the unit was foreseeable
(``is_candidate``; the others are forecast 0 by every method).

1. **Method choice, learnt on earlier origins.** For each target period, every row's candidate
   methods are those available for it. Among candidates with a track record on earlier
   periods, the one with the lowest WAPE on the earlier rows where all of them were available
   wins (ties: ``priority``); candidates never evaluated before come after those that were
   (a method with evidence beats one without); with no track record at all, ``priority``
   decides. The choice for a row depends only on which methods it has, so it is stored as a
   table (availability pattern -> method) and applied as such to the forecast period.
2. **Hierarchical reconciliation** (e.g. class -> course -> site -> total). At each
   aggregate level the base forecast is the bottom-up sum of the chosen class forecasts or a
   naive method at that level (the node's own last value, or a year before), whichever had
   the lower WAPE at that level on the earlier periods where all of them could forecast
   (default: bottom-up). The forecasts of all
   levels are then reconciled by weighted least squares with structural weights (each node
   weighted by the number of classes under it; Athanasopoulos et al., 2017), so the classes
   add up to every total. When every level keeps the bottom-up sum the classes are unchanged.
3. **Intervals (split conformal).** Scores ``|actual - forecast| / sqrt(forecast + 1)`` of the
   earlier periods' shipped forecasts (candidate rows) give the quantile ``q`` at the nominal
   level; the interval is ``forecast +- q sqrt(forecast + 1)``, rounded, floored at 0. The
   coverage reported is measured the same way, period by period, on periods the quantile did
   not see.

Every step is prequential: what a period's forecast uses was known before that period. The
shipped forecasts are non-negative integers, and every metric is computed on them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.linalg import spsolve

#: Name of the forecaster's own method (rows, metrics, the forecast's ``forecast_method``).
ENSEMBLE = "ensemble"
#: Base forecast of an aggregate level made of its classes' forecasts.
BOTTOM_UP = "bottom_up"


@dataclass(frozen=True)
class Level:
    """One aggregate level of the hierarchy: its name and the unit columns that define a node
    (``[]`` = the total)."""

    name: str
    keys: tuple[str, ...]


@dataclass
class EnsembleSpec:
    """Methods (in priority order), the unit key, hierarchy levels above the unit, interval."""

    methods: list[str]
    unit: list[str]
    time_column: str
    levels: list[Level] = field(default_factory=list)
    interval_level: float = 0.8
    #: Earlier residuals needed before a period gets an interval.
    min_residuals: int = 20


def to_counts(pred: np.ndarray) -> np.ndarray:
    """Non-negative integers, half up (the same rule as the shipped forecasts)."""
    return np.floor(np.clip(np.nan_to_num(pred, nan=0.0), 0.0, None) + 0.5).astype(np.int64)


def _wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    total = float(np.sum(actual))
    return float(np.abs(actual - forecast).sum() / total) if total > 0 else float("nan")


def _pattern_key(methods: tuple[str, ...]) -> str:
    return "|".join(methods)


def choose(history: pd.DataFrame, candidates: tuple[str, ...], priority: list[str]) -> str:
    """The method for rows whose available methods are ``candidates`` (see the module
    docstring, step 1). ``history``: earlier rows with ``f_<m>`` (rounded forecasts),
    ``a_<m>`` (available) and ``actual``."""
    rank = {m: i for i, m in enumerate(priority)}
    evaluated = [m for m in candidates if len(history) and history[f"a_{m}"].any()]
    if not evaluated:
        return min(candidates, key=lambda m: rank[m])
    actual = history["actual"].to_numpy(dtype=float)
    together = np.logical_and.reduce([history[f"a_{m}"].to_numpy() for m in evaluated])
    scores = {}
    for m in evaluated:
        rows = together if actual[together].sum() > 0 else history[f"a_{m}"].to_numpy()
        scores[m] = _wape(actual[rows], history[f"f_{m}"].to_numpy(dtype=float)[rows])
    scored = [m for m in evaluated if not np.isnan(scores[m])]
    if not scored:
        return min(candidates, key=lambda m: rank[m])
    return min(scored, key=lambda m: (scores[m], rank[m]))


def choice_table(history: pd.DataFrame, methods: list[str]) -> dict[str, str]:
    """The method for every non-empty availability pattern, from ``history``."""
    table = {}
    for size in range(1, len(methods) + 1):
        for combo in itertools.combinations(methods, size):
            table[_pattern_key(combo)] = choose(history, combo, methods)
    return table


def patterns(frame: pd.DataFrame, methods: list[str]) -> list[str]:
    """Each row's availability pattern key (methods in ``methods`` order); rows with none get
    the last method's key (a fallback that never happens for candidate rows in practice)."""
    flags = np.column_stack([frame[f"a_{m}"].to_numpy(dtype=bool) for m in methods])
    out = []
    for row in flags:
        chosen = tuple(m for m, ok in zip(methods, row, strict=True) if ok)
        out.append(_pattern_key(chosen or (methods[-1],)))
    return out


def apply_choices(
    frame: pd.DataFrame, methods: list[str], table: dict[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """(chosen method per row, its forecast per row; 0 for non-candidates)."""
    chosen = np.array([table[p] for p in patterns(frame, methods)], dtype=object)
    values = np.zeros(len(frame))
    for m in methods:
        rows = chosen == m
        values[rows] = np.nan_to_num(frame.loc[rows, f"raw_{m}"].to_numpy(dtype=float))
    candidate = frame["is_candidate"].to_numpy(dtype=bool)
    return chosen, np.where(candidate, values, 0.0)


# --- hierarchy -------------------------------------------------------------------------------


def _node_ids(frame: pd.DataFrame, keys: tuple[str, ...]) -> np.ndarray:
    if not keys:
        return np.zeros(len(frame), dtype=np.int64)
    return frame.groupby(list(keys), sort=True, dropna=False).ngroup().to_numpy()


def level_forecasts(
    frame: pd.DataFrame, level: Level, class_forecast: np.ndarray, methods: list[str]
) -> dict[str, np.ndarray]:
    """Per node of ``level`` (in ``_node_ids`` order): the bottom-up sum of ``class_forecast``
    and each naive method's node total. A naive method counts only where it is available for
    every candidate class of the node (elsewhere the node keeps its bottom-up sum), and not at
    all when it is available nowhere in the period. A level whose nodes are single classes
    (e.g. courses at a site when every course has one schedule) adds nothing to the classes:
    it only has the bottom-up sum."""
    ids = _node_ids(frame, level.keys)
    n = int(ids.max()) + 1 if len(ids) else 0
    bottom_up = np.bincount(ids, weights=class_forecast, minlength=n)
    out = {BOTTOM_UP: bottom_up}
    candidate = frame["is_candidate"].to_numpy(dtype=bool)
    if n == len(frame) or np.bincount(ids[candidate], minlength=n).max(initial=0) <= 1:
        return out
    for m in methods:
        if f"node_{m}" not in frame.columns:
            continue
        values = frame[f"node_{m}"].to_numpy(dtype=float)
        available = frame[f"a_{m}"].to_numpy(dtype=bool)
        if np.isnan(values).all() or not available[candidate].any():
            continue
        missing = np.bincount(ids[candidate & ~available], minlength=n) > 0
        totals = np.bincount(ids, weights=np.nan_to_num(values), minlength=n)
        out[m] = np.where(missing, bottom_up, totals)
    return out


def reconcile(
    frame: pd.DataFrame, class_forecast: np.ndarray, node_forecasts: dict[str, np.ndarray]
) -> np.ndarray:
    """WLS reconciliation with structural weights over the candidate rows of one period.

    ``node_forecasts``: per level name, the base forecast of each node (``_node_ids`` order of
    that level's keys, computed on all rows). Non-candidate rows stay 0."""
    candidate = frame["is_candidate"].to_numpy(dtype=bool)
    bottom = np.flatnonzero(candidate)
    if len(bottom) == 0:
        return np.zeros(len(frame))
    blocks, targets, weights = [], [], []
    for level_keys, base in node_forecasts.values():
        ids = _node_ids(frame, level_keys)[bottom]
        n = len(base)
        s = sparse.csr_matrix(
            (np.ones(len(bottom)), (ids, np.arange(len(bottom)))), shape=(n, len(bottom))
        )
        counts = np.asarray(s.sum(axis=1)).ravel()
        keep = counts > 0  # a node with only non-candidate classes has nothing to reconcile
        blocks.append(s[keep])
        targets.append(base[keep])
        weights.append(counts[keep])
    # The WLS solution x = (S' W^-1 S)^-1 S' W^-1 y (S = [A; I], W = diag(node sizes; 1 per
    # class)) in its projection form, which solves a system of one row per aggregate node
    # instead of one per class (the total node would make S' W^-1 S dense over the classes):
    # x = y_b + A' lambda, (W_a + A A') lambda = y_a - A y_b.
    bottom_forecast = class_forecast[bottom]
    aggregate = sparse.vstack(blocks, format="csr")
    lhs = (sparse.diags(np.concatenate(weights)) + aggregate @ aggregate.T).tocsc()
    rhs = np.concatenate(targets) - aggregate @ bottom_forecast
    solution = bottom_forecast + aggregate.T @ np.atleast_1d(spsolve(lhs, rhs))
    out = np.zeros(len(frame))
    out[bottom] = np.clip(solution, 0.0, None)
    return out


def level_choice(history: dict[str, dict[int, dict[str, tuple[float, float]]]], level: str) -> str:
    """The base method of an aggregate level: the lowest WAPE over the earlier periods in
    which every compared method could forecast (``history[level][period][method]`` = (sum of
    node errors, sum of node actuals)); bottom-up by default and on ties."""
    periods = history.get(level, {})
    methods = sorted({m for per in periods.values() for m in per})
    common = [per for per in periods.values() if all(m in per for m in methods)]
    if not common:
        return BOTTOM_UP
    scores = {}
    for m in methods:
        errors = sum(per[m][0] for per in common)
        actuals = sum(per[m][1] for per in common)
        if actuals > 0:
            scores[m] = errors / actuals
    if not scores:
        return BOTTOM_UP
    return min(sorted(scores), key=lambda m: (scores[m], m != BOTTOM_UP))


# --- intervals ---------------------------------------------------------------------------------


def conformity_scores(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """``|actual - forecast| / sqrt(forecast + 1)`` (forecasts are the shipped integers)."""
    forecast = np.asarray(forecast, dtype=float)
    return np.abs(np.asarray(actual, dtype=float) - forecast) / np.sqrt(forecast + 1.0)


def score_quantile(scores: np.ndarray, level: float) -> float:
    """The split-conformal quantile: the ceil((n + 1) level)-th smallest score (inf when n is
    too small for the level)."""
    scores = np.sort(np.asarray(scores, dtype=float))
    n = len(scores)
    k = int(np.ceil((n + 1) * level))
    return float(scores[k - 1]) if 0 < k <= n else float("inf")


def interval(forecast: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray]:
    """Integer bounds ``forecast +- q sqrt(forecast + 1)``, rounded half up, low >= 0."""
    forecast = np.asarray(forecast, dtype=float)
    half = q * np.sqrt(forecast + 1.0)
    return to_counts(forecast - half), to_counts(forecast + half)


# --- the prequential run -------------------------------------------------------------------------


@dataclass
class EnsembleRun:
    """Prequential ensemble forecasts of every period, and what the forecast period uses.

    ``frame``: the input rows with ``chosen`` (base method), ``ensemble_raw`` (before
    reconciliation), ``ensemble`` (reconciled, shipped integers), ``low``/``high`` (interval,
    NaN where the period had too few earlier residuals). ``choices``: the final pattern ->
    method table; ``levels``: the final level -> base method; ``q``: the final conformity
    quantile (all periods' residuals)."""

    frame: pd.DataFrame
    choices: dict[str, str]
    levels: dict[str, str]
    q: float
    residuals: int


def run(frame: pd.DataFrame, spec: EnsembleSpec) -> EnsembleRun:
    """Run the ensemble over every period of ``frame`` in time order (see the module
    docstring). ``frame`` has, per method m, ``raw_<m>`` (forecast, NaN = none) and ``a_<m>``
    (available), optional ``node_<m>`` (the class's contribution to a naive node total),
    ``actual`` and ``is_candidate``, plus the unit and time columns."""
    t = spec.time_column
    methods = spec.methods
    frame = frame.sort_values([t, *spec.unit], kind="mergesort").reset_index(drop=True).copy()
    for m in methods:
        frame[f"f_{m}"] = to_counts(frame[f"raw_{m}"].to_numpy(dtype=float))
    frame["chosen"] = None
    frame["ensemble_raw"] = np.nan
    frame["ensemble"] = np.nan
    frame["low"] = np.nan
    frame["high"] = np.nan
    level_history: dict[str, dict[int, dict[str, tuple[float, float]]]] = {}
    for period in sorted(frame[t].unique()):
        now = (frame[t] == period).to_numpy()
        past = frame[frame[t] < period]
        part = frame[now]
        table = choice_table(past, methods)
        chosen, raw = apply_choices(part, methods, table)
        nodes = {}
        for level in spec.levels:
            options = level_forecasts(part, level, raw, methods)
            pick = level_choice(level_history, level.name)
            nodes[level.name] = (level.keys, options.get(pick, options[BOTTOM_UP]), pick)
        if any(pick != BOTTOM_UP for _, _, pick in nodes.values()):
            shipped = reconcile(part, raw, {k: (v[0], v[1]) for k, v in nodes.items()})
        else:
            shipped = raw
        shipped = to_counts(shipped)
        frame.loc[now, "chosen"] = chosen
        frame.loc[now, "ensemble_raw"] = raw
        frame.loc[now, "ensemble"] = shipped
        # intervals from earlier residuals (candidate rows) only
        earlier = past[past["is_candidate"].astype(bool)]
        if len(earlier) >= spec.min_residuals:
            q = score_quantile(
                conformity_scores(earlier["actual"], earlier["ensemble"]), spec.interval_level
            )
            if np.isfinite(q):
                low, high = interval(shipped, q)
                frame.loc[now, "low"] = low
                frame.loc[now, "high"] = high
        # level errors of this period, for the next periods' level choices
        actual = part["actual"].to_numpy(dtype=float)
        for level in spec.levels:
            ids = _node_ids(part, level.keys)
            node_actual = np.bincount(ids, weights=actual, minlength=int(ids.max()) + 1)
            per_period = level_history.setdefault(level.name, {}).setdefault(int(period), {})
            for m, values in level_forecasts(part, level, to_counts(raw), methods).items():
                per_period[m] = (
                    float(np.abs(node_actual - to_counts(values)).sum()),
                    float(node_actual.sum()),
                )
    candidates = frame[frame["is_candidate"].astype(bool)]
    scores = conformity_scores(candidates["actual"], candidates["ensemble"])
    return EnsembleRun(
        frame=frame,
        choices=choice_table(frame, methods),
        levels={level.name: level_choice(level_history, level.name) for level in spec.levels},
        q=score_quantile(scores, spec.interval_level),
        residuals=len(scores),
    )


def forecast(
    frame: pd.DataFrame,
    spec: EnsembleSpec,
    choices: dict[str, str],
    levels: dict[str, str],
    q: float,
) -> pd.DataFrame:
    """The forecast period's rows (same columns as :func:`run`'s input, no ``actual``) with
    ``chosen``, ``ensemble_raw``, ``ensemble`` (shipped integers), ``low`` and ``high``, from
    the stored choice table, level choices and conformity quantile."""
    frame = frame.copy()
    chosen, raw = apply_choices(frame, spec.methods, choices)
    nodes = {}
    for level in spec.levels:
        options = level_forecasts(frame, level, raw, spec.methods)
        pick = levels.get(level.name, BOTTOM_UP)
        nodes[level.name] = (level.keys, options.get(pick, options[BOTTOM_UP]))
    reconciled = (
        reconcile(frame, raw, nodes)
        if any(levels.get(level.name, BOTTOM_UP) != BOTTOM_UP for level in spec.levels)
        else raw
    )
    shipped = to_counts(reconciled)
    frame["chosen"] = chosen
    frame["ensemble_raw"] = raw
    frame["ensemble"] = shipped
    if np.isfinite(q):
        frame["low"], frame["high"] = interval(shipped, q)
    else:
        frame["low"], frame["high"] = np.nan, np.nan
    return frame
