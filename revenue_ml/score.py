"""Score a CSV of customers with the registered model, without running dbt.

Usage::

    python -m revenue_ml.score churn --input customers.csv --output scores.csv \
        [--warehouse warehouse.duckdb] [--no-explain]

The input is in the raw BigML churn schema (the same columns as the raw file; ``Churn`` may be
absent or empty). The features are computed by :func:`revenue_ml.domains.churn.features_from_raw`
(the Python twin of ``churn_features.sql``), and the latest registered ``churn_lightgbm``
version that passed its gate is read from the warehouse over a read-only connection. The output
holds one row per input row: the customer key (derived as in the warehouse), the
probability, the label at the model's threshold, the top driver and the model version — the
same probabilities as ``marts.churn_scores`` for the same rows. ``--no-explain`` leaves the top
driver empty: LightGBM's per-row contributions cost far more than the prediction itself.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb
import pandas as pd

from revenue_ml.domains import churn

#: Domain -> (registry table, scoring function of raw rows and the registry).
DOMAINS = {
    "churn": ("ml.churn_model_versions", churn.score_raw),
}


def default_warehouse() -> Path:
    """The warehouse dbt builds: $REVENUE_ML_DUCKDB, else warehouse.duckdb (as profiles.yml)."""
    return Path(os.environ.get("REVENUE_ML_DUCKDB", "warehouse.duckdb"))


def read_registry(warehouse: Path, table: str) -> pd.DataFrame:
    """The registry table of a domain, read over a read-only connection."""
    if not warehouse.exists():
        raise FileNotFoundError(f"warehouse {warehouse} not found; run dbt build first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select * from {table}").df()


def score_file(domain: str, input_path: Path, output_path: Path, warehouse: Path,
               explain: bool = True) -> pd.DataFrame:
    """Score ``input_path`` and write the scores to ``output_path`` (CSV); return them."""
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}; expected one of {', '.join(DOMAINS)}")
    table, scorer = DOMAINS[domain]
    raw = pd.read_csv(input_path, dtype=str, keep_default_na=False)
    scores = scorer(raw, read_registry(warehouse, table), explain=explain)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    scores.to_csv(output_path, index=False, float_format="%.17g")
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m revenue_ml.score", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("domain", choices=sorted(DOMAINS))
    parser.add_argument("--input", required=True, type=Path, help="CSV in the raw schema")
    parser.add_argument("--output", required=True, type=Path, help="CSV of scores to write")
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="DuckDB warehouse holding the registry (default: $REVENUE_ML_DUCKDB "
                             "or warehouse.duckdb)")
    parser.add_argument("--no-explain", action="store_true",
                        help="skip the top driver per row (faster for large batches)")
    args = parser.parse_args(argv)
    try:
        scores = score_file(args.domain, args.input, args.output,
                            args.warehouse or default_warehouse(), explain=not args.no_explain)
    except (FileNotFoundError, LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"scored {len(scores)} rows -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
