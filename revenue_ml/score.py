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
same probabilities as ``churn.churn_scores`` for the same rows. ``--no-explain`` leaves the top
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
from revenue_ml.safe_csv import write_csv
from revenue_ml.snapshot import latest_snapshot, snapshot_root

#: Domain -> (registry table, scoring function of raw rows and the registry).
DOMAINS = {
    "churn": ("ml.churn_model_versions", churn.score_raw),
}


def default_warehouse() -> Path:
    """The warehouse dbt builds: $REVENUE_ML_DUCKDB, else warehouse.duckdb (as profiles.yml)."""
    return Path(os.environ.get("REVENUE_ML_DUCKDB", "warehouse.duckdb"))


class WarehouseBusyError(RuntimeError):
    """The warehouse file is held by a writer (a dbt build)."""


def read_registry(warehouse: Path, table: str) -> pd.DataFrame:
    """The registry table of a domain, read over a read-only connection (opened, read, closed).

    DuckDB allows one writer or many readers per file: while ``dbt build`` writes the
    warehouse, opening it fails; that is reported as :class:`WarehouseBusyError` with the way
    out (the published snapshot holds the same registry)."""
    if not warehouse.exists():
        raise FileNotFoundError(f"warehouse {warehouse} not found; run dbt build first")
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(f"select * from {table}").df()
    except duckdb.IOException as err:
        if "lock" not in str(err).lower():
            raise
        raise WarehouseBusyError(
            f"the warehouse {warehouse} is being written by another process (a dbt build?), "
            f"so its registry cannot be read now. Fix: wait for the build to finish, or score "
            f"with the registry the last build published: --snapshot "
            f"{snapshot_root(warehouse)}"
        ) from None


def read_registry_snapshot(root: Path, table: str) -> pd.DataFrame:
    """The registry table from the newest complete snapshot under ``root`` (Parquet files the
    build published; reading them never touches the warehouse)."""
    info = latest_snapshot(root)
    if info is None or table not in info.tables:
        raise FileNotFoundError(
            f"no published snapshot holding {table} under {root}; run dbt build first"
        )
    return pd.read_parquet(info.path / f"{table}.parquet")


def score_file(
    domain: str,
    input_path: Path,
    output_path: Path,
    warehouse: Path | None = None,
    explain: bool = True,
    snapshot: Path | None = None,
) -> pd.DataFrame:
    """Score ``input_path`` and write the scores to ``output_path`` (CSV); return them.

    The registry comes from ``snapshot`` (a published snapshot directory) when given, else
    from ``warehouse`` (default: $REVENUE_ML_DUCKDB or warehouse.duckdb)."""
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}; expected one of {', '.join(DOMAINS)}")
    table, scorer = DOMAINS[domain]
    registry = (
        read_registry_snapshot(snapshot, table)
        if snapshot is not None
        else read_registry(warehouse or default_warehouse(), table)
    )
    raw = pd.read_csv(input_path, dtype=str, keep_default_na=False)
    scores = scorer(raw, registry, explain=explain)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(scores, output_path, float_format="%.17g")
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m revenue_ml.score",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("domain", choices=sorted(DOMAINS))
    parser.add_argument("--input", required=True, type=Path, help="CSV in the raw schema")
    parser.add_argument("--output", required=True, type=Path, help="CSV of scores to write")
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="DuckDB warehouse holding the registry (default: $REVENUE_ML_DUCKDB "
        "or warehouse.duckdb)",
    )
    parser.add_argument(
        "--snapshot",
        type=Path,
        default=None,
        help="read the registry from the snapshot a build published (e.g. "
        "target/dashboard_snapshot/warehouse) instead of the warehouse: works while "
        "a dbt build holds the warehouse",
    )
    parser.add_argument(
        "--no-explain",
        action="store_true",
        help="skip the top driver per row (faster for large batches)",
    )
    args = parser.parse_args(argv)
    try:
        scores = score_file(
            args.domain,
            args.input,
            args.output,
            args.warehouse,
            explain=not args.no_explain,
            snapshot=args.snapshot,
        )
    except (FileNotFoundError, LookupError, ValueError, WarehouseBusyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"scored {len(scores)} rows -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
