"""Champion and challenger: which registered version of a model scores.

Every registered version gets an alias when it is registered (:func:`decide_alias`, stored in
the registry row as ``registered_alias`` with its ``alias_reason``):

- ``champion`` when it passed its quality gate and is at least as good as the current
  champion on the model's primary evaluation (``primary_metric``, the same evaluation name),
  within the margin var ``champion_margin``: for a metric where higher is better, the new
  version takes over when ``new >= champion - margin`` (``<=`` and ``+`` for metrics where
  lower is better, :data:`LOWER_IS_BETTER`). A margin of 0 means "at least as good"; a positive
  margin tolerates that much noise, a negative one demands a strict improvement. Retraining on
  the same data gives the same metric, so the new version takes over;
- ``challenger`` otherwise (worse, below its gate, or not beating its registered baseline by
  the baseline margin, evaluation ``baseline_comparison``, while the champion does): it is
  kept, evaluated and shown, but scoring keeps using the champion. A first version that passes
  its gate but loses to its baseline still becomes champion (nothing else could score), and a
  champion that loses to its baseline too is replaced by the usual rule; the reason says so.

A manual promotion (``python -m revenue_ml.registry promote``) stamps ``promoted_at`` on the
promoted version and writes an audit row (``ml.model_promotions``).

The *current* champion of a model is the passing version that became champion last: its
``champion_since`` is ``promoted_at`` when it was promoted, else ``trained_at`` when it was
registered as champion (rows registered before aliases existed count as champions, which
keeps the former rule "the newest passing version scores"). The current challenger is the
newest version above the champion, if any. ``ml.model_registry`` computes the same ``alias``
in SQL (tested equal to :func:`current_aliases`).
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass

import pandas as pd

CHAMPION = "champion"
CHALLENGER = "challenger"
ALIASES = (CHAMPION, CHALLENGER)

#: Metrics (the part of ``primary_metric`` after the last dot) where a lower value is better.
LOWER_IS_BETTER = frozenset(
    {"wape", "mae", "mape", "smape", "rmse", "mse", "log_loss", "brier", "wcss", "bic", "aic"}
)

#: Registry columns the alias rule adds (registry.REGISTRY_COLUMNS lists them in order).
ALIAS_COLUMNS = (
    "registered_alias",
    "alias_reason",
    "compared_with_version",
    "compared_with_value",
    "promoted_at",
)


def higher_is_better(primary_metric: str) -> bool:
    """Whether a larger value of ``primary_metric`` (``<evaluation>.<metric>``) is better."""
    return str(primary_metric).rsplit(".", 1)[-1] not in LOWER_IS_BETTER


@dataclass(frozen=True)
class AliasDecision:
    """The alias a new version is registered with, and why."""

    alias: str
    reason: str
    compared_with_version: int | None = None
    compared_with_value: float | None = None


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def decide_alias(new: dict, champion: dict | None, margin: float) -> AliasDecision:
    """The alias of the new version ``new`` (a registry row) given the model's current
    ``champion`` (a registry row, None when there is none) and the margin (see the module)."""
    if not bool(new["passed_gate"]):
        return AliasDecision(
            CHALLENGER,
            f"below its quality gate ({new['primary_metric']} "
            f"{_fmt(new['primary_metric_value'])} < floor {_fmt(new['quality_floor'])})",
        )
    lost = _baseline_verdict(new)
    if champion is None:
        reason = "first version to pass its gate"
        # nothing else could score: it serves, and the reason says it lost to its baseline
        return AliasDecision(CHAMPION, f"{reason}; {lost}" if lost else reason)
    version = int(champion["model_version"])
    if lost and not _baseline_verdict(champion):
        return AliasDecision(CHALLENGER, lost, version, _number(champion["primary_metric_value"]))
    if new["primary_metric"] != champion["primary_metric"]:
        return AliasDecision(
            CHAMPION,
            f"evaluation changed ({champion['primary_metric']} of v{version} -> "
            f"{new['primary_metric']}): not comparable, the new version takes over",
            version,
            _number(champion["primary_metric_value"]),
        )
    mine, theirs = _number(new["primary_metric_value"]), _number(champion["primary_metric_value"])
    metric = new["primary_metric"]
    if theirs is None:
        return AliasDecision(
            CHAMPION, f"champion v{version} has no {metric} value", version, theirs
        )
    if mine is None:
        return AliasDecision(CHALLENGER, f"no {metric} value to compare", version, theirs)
    if higher_is_better(metric):
        wins, bound, sign = mine >= theirs - margin, theirs - margin, ">="
    else:
        wins, bound, sign = mine <= theirs + margin, theirs + margin, "<="
    verdict = f"{metric} {_fmt(mine)} {sign if wins else 'not ' + sign} {_fmt(bound)}"
    detail = f"champion v{version} {_fmt(theirs)}, margin {margin:g}"
    reason = f"{verdict} ({detail})" + (f"; like the champion, it {lost}" if lost else "")
    return AliasDecision(CHAMPION if wins else CHALLENGER, reason, version, theirs)


def _baseline_verdict(new: dict) -> str | None:
    """Why ``new`` may not take over from a champion because it does not beat its registered
    baseline by the margin (evaluation ``baseline_comparison`` of its metrics, written by
    :func:`revenue_ml.ml.lifecycle.baseline_comparison`); None when it beats it or was not
    compared."""
    metrics = new.get("metrics")
    if isinstance(metrics, str):
        try:
            metrics = json.loads(metrics)
        except ValueError:
            return None
    summary = (metrics or {}).get("baseline_comparison") or {}
    beats = _number(summary.get("beats_baseline"))
    if beats is None or beats == 1:
        return None
    return (
        f"does not beat its baseline {summary.get('baseline', '')} by the margin: "
        f"{summary.get('metric', '')} lift {_fmt(summary.get('lift'))} < "
        f"{_fmt(summary.get('margin'))}"
    )


def _fmt(value) -> str:
    number = _number(value)
    return "n/a" if number is None else f"{number:.4f}"


def champion_since(registry: pd.DataFrame) -> pd.Series:
    """When each row became champion: ``promoted_at`` if promoted, else ``trained_at`` if it
    was registered as champion (or before aliases existed), else NaT."""
    trained = pd.to_datetime(registry["trained_at"])
    registered = (
        registry["registered_alias"]
        if "registered_alias" in registry.columns
        else pd.Series(None, index=registry.index, dtype=object)
    )
    as_champion = registered.isna() | (registered == CHAMPION)
    since = trained.where(as_champion.to_numpy(dtype=bool))
    if "promoted_at" in registry.columns:
        promoted = pd.to_datetime(registry["promoted_at"])
        since = promoted.where(promoted.notna(), since)
    return since


def current_champion(registry: pd.DataFrame | None, model_name: str) -> dict | None:
    """The current champion row of ``model_name`` (see the module), None when none passed."""
    if registry is None or registry.empty:
        return None
    rows = registry[
        (registry["model_name"] == model_name) & registry["passed_gate"].astype(bool)
    ].copy()
    if rows.empty:
        return None
    rows["_since"] = champion_since(rows)
    rows = rows[rows["_since"].notna()]
    if rows.empty:
        return None
    best = rows.sort_values(["_since", "model_version"], kind="mergesort").iloc[-1]
    return best.drop(labels="_since").to_dict()


def current_aliases(registry: pd.DataFrame | None) -> pd.DataFrame:
    """``model_name``, ``model_version``, ``alias`` (champion, challenger or None) of every row:
    the champion, and the newest version above it as challenger."""
    columns = ["model_name", "model_version", "alias"]
    if registry is None or registry.empty:
        return pd.DataFrame(columns=columns)
    registry = registry.reset_index(drop=True)
    out = registry[["model_name", "model_version"]].copy()
    out["alias"] = None
    for name, rows in registry.groupby("model_name", sort=True):
        champion = current_champion(rows, name)
        if champion is None:
            continue
        version = int(champion["model_version"])
        out.loc[rows.index[rows["model_version"] == version], "alias"] = CHAMPION
        newer = rows[rows["model_version"] > version]
        if len(newer):
            out.loc[newer["model_version"].idxmax(), "alias"] = CHALLENGER
    return out.reset_index(drop=True)


def decide_new_versions(
    new_rows: pd.DataFrame, existing: pd.DataFrame | None, margin: float
) -> pd.DataFrame:
    """``new_rows`` (this build's registry rows) with their alias columns filled: each is
    compared with the current champion of its model, in version order (a second new version
    of the same model would be compared with the first if that one took over)."""
    out = new_rows.copy()
    for column in ALIAS_COLUMNS:
        if column not in out.columns:
            out[column] = None
    history = existing.copy() if existing is not None else None
    for idx in out.sort_values(["model_name", "model_version"]).index:
        row = out.loc[idx].to_dict()
        decision = decide_alias(row, current_champion(history, row["model_name"]), margin)
        out.at[idx, "registered_alias"] = decision.alias
        out.at[idx, "alias_reason"] = decision.reason
        out.at[idx, "compared_with_version"] = decision.compared_with_version
        out.at[idx, "compared_with_value"] = decision.compared_with_value
        row.update(registered_alias=decision.alias, promoted_at=pd.NaT)
        added = pd.DataFrame([row])
        history = added if history is None or history.empty else append_rows(history, added)
    return out


def append_rows(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``a`` then ``b`` (the columns of both; missing values empty), index reset."""
    with warnings.catch_warnings():
        # all-empty columns (a new row's promoted_at) will count for the dtype in a future
        # pandas; every reader here parses the columns it needs, so either dtype is fine
        warnings.simplefilter("ignore", FutureWarning)
        return pd.concat([a, b], ignore_index=True)
