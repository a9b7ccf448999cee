"""The performance budgets and their evaluation (met / missed, with the figure)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """One budget. ``kind``: "max" value <= limit, "min" value >= limit, "lt" value < limit,
    "true" value is True. ``scales``: the scales it applies to (None = every scale)."""

    id: str
    description: str
    scales: frozenset[float] | None
    limit: float | bool
    unit: str
    kind: str


BUDGETS = [
    Budget("build_seconds", "full dbt build wall time", frozenset({1.0}), 60.0, "s", "max"),
    Budget("build_seconds", "full dbt build wall time", frozenset({10.0}), 240.0, "s", "max"),
    Budget(
        "build_peak_rss_gb", "peak RSS of the dbt process tree", frozenset({10.0}), 4.0, "GB", "max"
    ),
    Budget(
        "sql_speedup_vs_pandas",
        "pandas / project SQL feature time",
        frozenset({10.0}),
        4.0,
        "x",
        "min",
    ),
    Budget(
        "project_vs_handwritten",
        "project dbt models / hand-written query time",
        frozenset({1.0, 10.0}),
        1.5,
        "x",
        "max",
    ),
    Budget(
        "warm_score_1k_seconds",
        "warm in-process scoring of 1,000 rows (probability + label, as the reference's REST call)",
        None,
        0.125,
        "s",
        "lt",
    ),
    Budget(
        "python_models_no_transaction_rows",
        "no Python model reads transaction-level rows",
        None,
        True,
        "",
        "true",
    ),
    Budget(
        "features_agree",
        "pandas, project SQL and hand-written SQL features agree",
        None,
        True,
        "",
        "true",
    ),
]


def budget_values(section: dict) -> dict:
    """The measured value behind each budget id, from one scale's section."""
    build = section.get("build", {})
    feats = section.get("features", {})
    warm = section.get("scoring", {}).get("warm_in_process", {})
    return {
        "build_seconds": build.get("seconds_median"),
        "build_peak_rss_gb": build.get("peak_rss_gb_max"),
        "sql_speedup_vs_pandas": feats.get("sql_speedup_vs_pandas"),
        "project_vs_handwritten": feats.get("project_vs_handwritten"),
        "warm_score_1k_seconds": (warm.get("sizes", {}).get("1000", {}) or {}).get(
            "seconds_median"
        ),
        "python_models_no_transaction_rows": section.get("python_model_inputs", {}).get("ok"),
        "features_agree": feats.get("agree"),
    }


def is_met(budget: Budget, value: float | bool) -> bool:
    """Whether a measured value meets the budget."""
    if budget.kind == "max":
        return value <= budget.limit
    if budget.kind == "min":
        return value >= budget.limit
    if budget.kind == "lt":
        return value < budget.limit
    return value is True


def evaluate_budgets(scale: float, section: dict) -> list[dict]:
    """One row per budget applying at ``scale``: limit, value and status."""
    values = budget_values(section)
    out = []
    for budget in BUDGETS:
        if budget.scales is not None and scale not in budget.scales:
            continue
        value = values.get(budget.id)
        if (
            value is None
            and budget.id == "warm_score_1k_seconds"
            and section.get("scoring", {}).get("skipped")
        ):
            continue  # scoring is measured at one scale only
        status = "not measured" if value is None else "met" if is_met(budget, value) else "MISSED"
        out.append(
            {
                "id": budget.id,
                "description": budget.description,
                "scale": scale,
                "limit": budget.limit,
                "unit": budget.unit,
                "kind": budget.kind,
                "value": round(value, 4) if isinstance(value, float) else value,
                "status": status,
            }
        )
    return out
