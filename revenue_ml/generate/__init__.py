"""Synthetic raw-data generator for the five sources, honouring ``revenue_ml.contracts``.

``generate(out_dir, scale, seed, only)`` writes every file at its contract path under
``out_dir``. Each source draws from its own random stream derived from ``(seed, source)``,
so a file's bytes depend only on ``(scale, seed)``, not on which other sources are generated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from revenue_ml.contracts import (
    ENROLLMENTS,
    LEADS,
    MARKETING_CAMPAIGN,
    OFFERS,
    ONLINE_RETAIL,
    TELCO_CHURN,
)
from revenue_ml.generate.enrollments import generate_enrollments
from revenue_ml.generate.marketing_campaign import generate_marketing_campaign
from revenue_ml.generate.online_retail import generate_online_retail
from revenue_ml.generate.sales_pipeline import generate_sales_pipeline
from revenue_ml.generate.telco_churn import generate_telco_churn

Generator = Callable[[Path, float, int], dict[str, tuple[Path, int]]]

#: Source name -> (generator, {table key: contract}).
SOURCES: dict[str, tuple[Generator, dict]] = {
    "sales_pipeline": (generate_sales_pipeline, {"offers": OFFERS, "leads": LEADS}),
    "online_retail": (generate_online_retail, {"transactions": ONLINE_RETAIL}),
    "telco_churn": (generate_telco_churn, {"customers": TELCO_CHURN}),
    "marketing_campaign": (generate_marketing_campaign, {"customers": MARKETING_CAMPAIGN}),
    "enrollments": (generate_enrollments, {"enrollments": ENROLLMENTS}),
}


def generate(
    out_dir: str | Path,
    scale: float = 1.0,
    seed: int = 42,
    only: Iterable[str] | None = None,
    report: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Generate the raw files and return ``{"<source>.<table>": path}``.

    Args:
        out_dir: raw-data directory; files go to their contract paths below it.
        scale: row-count multiplier (1.0 is the size of the real datasets).
        seed: base seed.
        only: subset of source names (see ``SOURCES``); all when ``None``.
        report: called with one line per written file (e.g. ``print``).
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    names = list(SOURCES) if only is None else list(only)
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; known: {', '.join(SOURCES)}")
    out = Path(out_dir)
    written: dict[str, Path] = {}
    for name in SOURCES:  # fixed order, whatever order ``only`` lists
        if name not in names:
            continue
        func, _ = SOURCES[name]
        for table, (path, rows) in func(out, scale, seed).items():
            written[f"{name}.{table}"] = path
            if report is not None:
                report(f"{path}\t{rows} rows")
    return written


__all__ = ["SOURCES", "generate"]
