"""The performance budgets ("on this machine") and their evaluation: met / missed, with the
figure behind the verdict.

A budget applies at the scales it names. A run at a scale no budget names (the smoke test's
0.02) is a rehearsal: every budget is reported with its figure, for information, and none
counts as missed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from benchmarks import names


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


SCALE_1 = frozenset({1.0})
#: Explanations computed for every row must reach this rate (rows explained per second).
EXPLAIN_ALL_MIN_RATE = 20_000
SCALE_10 = frozenset({10.0})
#: Opt-in (`make bench` runs scales 1 and 10): ~54 million transaction lines, ~6 GB of CSV.
SCALE_100 = frozenset({100.0})

BUDGETS = [
    Budget(
        "full_build_seconds",
        "full build (retrain_policy always), median wall time",
        SCALE_1,
        30.0,
        "s",
        "max",
    ),
    Budget(
        "rebuild_seconds",
        "rebuild on unchanged data (models reused), median wall time",
        SCALE_1,
        15.0,
        "s",
        "max",
    ),
    Budget(
        "selected_build_proportionality",
        f"selected build (--select {names.SELECTED_BUILD_ROOT}+): time share / node share",
        SCALE_1,
        1.5,
        "x",
        "max",
    ),
    Budget(
        "full_build_seconds",
        "full build (retrain_policy always), median wall time",
        SCALE_10,
        120.0,
        "s",
        "max",
    ),
    Budget(
        "full_build_peak_rss_gb",
        "peak RSS of the dbt process tree, full build",
        SCALE_10,
        3.0,
        "GB",
        "max",
    ),
    Budget(
        "full_build_seconds",
        "full build (retrain_policy always), median wall time",
        SCALE_100,
        900.0,
        "s",
        "max",
    ),
    Budget(
        "full_build_peak_rss_gb",
        "peak RSS of the dbt process tree, full build",
        SCALE_100,
        8.0,
        "GB",
        "max",
    ),
    # issue 12: ">= 100,000 rows/s for probabilities (every scoring model, at scale 10)"; the
    # scale-1 figures stay in the summary (its tuned churn model, deeper, is slower per row)
    Budget(
        "scoring_rows_per_second",
        "in-warehouse scoring rows/s, explanations off",
        SCALE_10,
        100_000.0,
        "rows/s",
        "min",
    ),
    Budget(
        "explanations_subset_or_fast",
        f"explanations on a subset of rows, or >= {EXPLAIN_ALL_MIN_RATE:,} rows/s for all",
        SCALE_1 | SCALE_10,
        True,
        "",
        "true",
    ),
    Budget(
        "sql_speedup_vs_pandas",
        "customer features: pandas time / project SQL time",
        SCALE_10,
        3.0,
        "x",
        "min",
    ),
    Budget(
        "project_vs_handwritten",
        "customer features: project SQL time / hand-written query time",
        SCALE_10,
        1.5,
        "x",
        "max",
    ),
    Budget(
        "warm_score_1k_seconds",
        "warm in-process scoring of 1,000 rows (the reference's REST call)",
        None,
        0.125,
        "s",
        "lt",
    ),
    Budget(
        "score_file_50k_with_reasons_seconds",
        "a file of 50,000 churn records scored with their reasons (the CLI, as Score a file)",
        None,
        15.0,
        "s",
        "max",
    ),
    Budget(
        "rest_batch_1k_p50_seconds",
        "REST API: warm batch of 1,000 churn records over HTTP, p50",
        None,
        0.03,
        "s",
        "max",
    ),
    Budget(
        "rest_batch_1k_p99_seconds",
        "REST API: warm batch of 1,000 churn records over HTTP, p99 (the reference's 0.125 s)",
        None,
        0.125,
        "s",
        "max",
    ),
    Budget(
        "rest_single_concurrent_no_error",
        "REST API: single-record requests from 8 concurrent clients, no error",
        None,
        True,
        "",
        "true",
    ),
    Budget(
        "monitoring_seconds",
        "prediction log, track record and alerts: their nodes' time per build (full or rebuild)",
        SCALE_1,
        3.0,
        "s",
        "max",
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

#: The scales budgets are set for; any other scale is a rehearsal.
BUDGET_SCALES = frozenset().union(*(b.scales for b in BUDGETS if b.scales is not None))


@dataclass(frozen=True)
class Measure:
    """A measured value, how it reads in the report, and the model it is about (if any)."""

    value: float | bool | None
    figure: str
    subject: str = ""


def _measure(value: float | bool | None, figure: str | None = None) -> list[Measure]:
    """One measure; its figure defaults to the value, or "not measured" when it is None."""
    if value is None:
        return [Measure(None, "not measured")]
    if isinstance(value, bool):
        return [Measure(value, figure or ("yes" if value else "NO"))]
    return [Measure(value, figure or f"{value:.3f}")]


def _build_seconds(phase_key: str) -> Callable[[dict], list[Measure]]:
    """The median wall time of one build phase."""

    def measure(section: dict) -> list[Measure]:
        phase = section.get("builds", {}).get(phase_key, {})
        value = phase.get("seconds_median")
        if value is None:
            return _measure(None)
        return _measure(value, f"{value:.1f} s (median of {len(phase['runs'])})")

    return measure


def _monitoring(section: dict) -> list[Measure]:
    m = section.get("monitoring", {})
    value = m.get("seconds_max")
    if value is None:
        return _measure(None)
    return _measure(
        value,
        f"{value:.2f} s ({m['nodes']} nodes; full build {m['full']['seconds']:.2f} s, "
        f"rebuild {m['rebuild']['seconds']:.2f} s: summed node times, an upper bound)",
    )


def _proportionality(section: dict) -> list[Measure]:
    p = section.get("builds", {}).get("selected_vs_full", {})
    if p.get("ratio") is None:
        return _measure(None)
    return _measure(
        p["ratio"],
        f"{p['ratio']:.2f}x: {p['seconds']:.1f} s = {p['time_share']:.1%} of the full build's "
        f"time for {p['nodes']}/{p['full_nodes']} = {p['node_share']:.1%} of its nodes",
    )


def _peak_rss(section: dict) -> list[Measure]:
    value = section.get("builds", {}).get("full", {}).get("peak_rss_gb_max")
    return _measure(value, f"{value:.2f} GB" if value is not None else None)


def _feature_ratio(key: str, numerator: str, denominator: str) -> Callable[[dict], list[Measure]]:
    """A ratio of two feature timings, with both times in the figure."""

    def measure(section: dict) -> list[Measure]:
        f = section.get("features", {})
        value = f.get(key)
        if value is None:
            return _measure(None)
        top, bottom = f[numerator]["seconds_median"], f[denominator]["seconds_median"]
        return _measure(value, f"{value:.2f}x ({top:.3f} s / {bottom:.3f} s)")

    return measure


def _scoring_models(section: dict) -> dict:
    """The in-warehouse scoring figures by scoring mart (empty when they are missing)."""
    models = section.get("scoring", {}).get("in_warehouse", {})
    return {} if "error" in models else models


def _scoring_rate(section: dict) -> list[Measure]:
    """Per scoring model: rows scored per second, explanations off."""
    measures = []
    for mart, m in _scoring_models(section).items():
        p = m["throughput"]
        figure = (
            f"{p['rows_per_second']:,.0f} rows/s ({p['rows']:,} rows, from "
            f"{m['input_rows']:,} replicated)"
        )
        measures.append(Measure(p["rows_per_second"], figure, mart))
    return measures or _measure(None)


def _explanations(section: dict) -> list[Measure]:
    """Per model with explanations: met when the mart explains a subset of its rows, or when
    explaining every row runs at EXPLAIN_ALL_MIN_RATE rows/s or more."""
    measures = []
    for mart, m in _scoring_models(section).items():
        e = m["explanations"]
        if e is None:
            continue
        share, rate = e["share_explained"], e["all_rows"]["rows_per_second"]
        ok = (share is not None and share < 1.0) or (
            rate is not None and rate >= EXPLAIN_ALL_MIN_RATE
        )
        share_text = "n/a" if share is None else f"{share:.1%}"
        rate_text = "n/a" if rate is None else f"{rate:,.0f}"
        figure = (
            f"{'yes' if ok else 'NO'}: {share_text} of {e['mart_rows']:,} rows explained; "
            f"{rate_text} rows/s when explaining all"
        )
        measures.append(Measure(ok, figure, mart))
    return measures or _measure(None)


def _warm_1k(section: dict) -> list[Measure]:
    scoring = section.get("scoring", {})
    if scoring.get("warm_and_cold_skipped"):
        return []  # warm scoring is measured at one scale only
    entry = scoring.get("warm_in_process", {}).get("sizes", {}).get("1000") or {}
    value = entry.get("seconds_median")
    return _measure(value, f"{value:.4f} s" if value is not None else None)


def _file_with_reasons(section: dict) -> list[Measure]:
    scoring = section.get("scoring", {})
    if scoring.get("warm_and_cold_skipped"):
        return []
    sizes = scoring.get("cold_command", {}).get("sizes", {})
    entry = next((e for k, e in sizes.items() if k.endswith("_with_reasons")), None) or {}
    value = entry.get("seconds")
    if value is None or "error" in entry:
        return _measure(None)
    return _measure(
        value, f"{value:.1f} s ({entry['rows']:,} rows, {entry['rows_per_second']:,.0f}/s)"
    )


def _rest_api(section: dict) -> dict | None:
    """The REST API figures (None when not measured at this scale)."""
    scoring = section.get("scoring", {})
    if scoring.get("warm_and_cold_skipped"):
        return None  # measured at one scale only, with the warm and cold scoring
    return scoring.get("rest_api") or {}


def _rest_batch(percentile: str) -> Callable[[dict], list[Measure]]:
    def measure(section: dict) -> list[Measure]:
        api = _rest_api(section)
        if api is None:
            return []
        batch = api.get("batch_1000") or {}
        value = batch.get(f"seconds_{percentile}")
        if value is None or batch.get("errors"):
            return _measure(None)
        return _measure(value, f"{value:.4f} s ({batch['requests']:,} warm requests)")

    return measure


def _rest_concurrent(section: dict) -> list[Measure]:
    api = _rest_api(section)
    if api is None:
        return []
    single = api.get("single_record_concurrent")
    if not single:
        return _measure(None)
    ok = single["errors"] == 0
    return _measure(
        ok,
        f"{'yes' if ok else 'NO'}: {single['requests']:,} requests, {single['clients']} "
        f"clients, {single['errors']:,} errors, {single['requests_per_second']:,.0f} "
        f"requests/s, p50 {single['seconds_p50']:.4f} s",
    )


def _no_transaction_rows(section: dict) -> list[Measure]:
    inputs = section.get("python_model_inputs", {})
    ok = inputs.get("ok")
    violations = len(inputs.get("violations", []))
    return _measure(ok, f"NO ({violations} violations)" if ok is False else None)


#: How each budget's measures are read from one scale's section.
MEASURES: dict[str, Callable[[dict], list[Measure]]] = {
    "full_build_seconds": _build_seconds("full"),
    "rebuild_seconds": _build_seconds("rebuild"),
    "selected_build_proportionality": _proportionality,
    "full_build_peak_rss_gb": _peak_rss,
    "scoring_rows_per_second": _scoring_rate,
    "explanations_subset_or_fast": _explanations,
    "sql_speedup_vs_pandas": _feature_ratio("sql_speedup_vs_pandas", "pandas", "project_sql"),
    "project_vs_handwritten": _feature_ratio(
        "project_vs_handwritten", "project_sql", "handwritten_sql"
    ),
    "warm_score_1k_seconds": _warm_1k,
    "score_file_50k_with_reasons_seconds": _file_with_reasons,
    "rest_batch_1k_p50_seconds": _rest_batch("p50"),
    "rest_batch_1k_p99_seconds": _rest_batch("p99"),
    "rest_single_concurrent_no_error": _rest_concurrent,
    "monitoring_seconds": _monitoring,
    "python_models_no_transaction_rows": _no_transaction_rows,
    "features_agree": lambda section: (
        [] if "features_skipped" in section else _measure(section.get("features", {}).get("agree"))
    ),
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
    """One row per budget (and model, for per-model budgets) reported at ``scale``: limit,
    value, figure, status, and whether it applies (False: a rehearsal row)."""
    rehearsal = scale not in BUDGET_SCALES
    rows = []
    for budget in BUDGETS:
        applies = budget.scales is None or scale in budget.scales
        if not (applies or rehearsal):
            continue
        for m in MEASURES[budget.id](section):
            status = (
                "not measured"
                if m.value is None
                else "met"
                if is_met(budget, m.value)
                else "MISSED"
            )
            rows.append(
                {
                    "id": budget.id,
                    "subject": m.subject,
                    "description": budget.description,
                    "scale": scale,
                    "budget_scales": sorted(budget.scales or []),
                    "applies": applies,
                    "limit": budget.limit,
                    "unit": budget.unit,
                    "kind": budget.kind,
                    "value": m.value,
                    "figure": m.figure,
                    "status": status,
                }
            )
    return rows


def missed(rows: list[dict]) -> list[dict]:
    """The applicable budget rows not met (missed or not measured)."""
    return [r for r in rows if r["applies"] and r["status"] != "met"]
