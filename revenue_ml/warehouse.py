"""Reading what a build published: the warehouse's tables over a read-only connection, or the
Parquet snapshot the build exported (:mod:`revenue_ml.snapshot`).

The scorer of raw records (:mod:`revenue_ml.score`), the REST service (:mod:`revenue_ml.serve`)
and the registry command line (:mod:`revenue_ml.registry`) read through these functions, so
they name the same default warehouse and say the same thing when a build holds it.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

from revenue_ml.snapshot import latest_snapshot, snapshot_root


def default_warehouse() -> Path:
    """The warehouse dbt builds: $REVENUE_ML_DUCKDB, else warehouse.duckdb (as profiles.yml)."""
    return Path(os.environ.get("REVENUE_ML_DUCKDB", "warehouse.duckdb"))


class WarehouseBusyError(RuntimeError):
    """The warehouse file is held by a writer (a dbt build)."""


def is_lock_error(err: duckdb.IOException) -> bool:
    """Whether DuckDB refused to open a file because another process holds it."""
    return "lock" in str(err).lower()


def read_warehouse_tables(
    warehouse: Path, tables: tuple[str, ...], missing: dict[str, str] | None = None
) -> dict[str, pd.DataFrame]:
    """``tables`` read over one read-only connection (opened, read, closed at once). A table
    the warehouse lacks raises FileNotFoundError, or is recorded in ``missing`` (table ->
    why) when that dict is given.

    DuckDB allows one writer or many readers per file: while ``dbt build`` writes the
    warehouse, opening it fails; that is reported as :class:`WarehouseBusyError` with the way
    out (the published snapshot holds the same tables)."""
    if not warehouse.exists():
        raise FileNotFoundError(f"warehouse {warehouse} not found; run dbt build first")
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            out = {}
            for table in tables:
                try:
                    out[table] = con.execute(f"select * from {table}").df()
                except duckdb.CatalogException:
                    why = (
                        f"warehouse {warehouse} has no table {table}; run dbt build (a build "
                        f"older than the scorer does not have it)"
                    )
                    if missing is None:
                        raise FileNotFoundError(why) from None
                    missing[table] = why
            return out
    except duckdb.IOException as err:
        if not is_lock_error(err):
            raise
        raise WarehouseBusyError(
            f"the warehouse {warehouse} is being written by another process (a dbt build?), "
            f"so its registry cannot be read now. Fix: wait for the build to finish, or score "
            f"with what the last build published: --snapshot {snapshot_root(warehouse)}"
        ) from None


def read_snapshot_tables(root: Path, tables: tuple[str, ...]) -> tuple[str, dict]:
    """(snapshot id, ``tables``) from the newest complete snapshot under ``root`` (Parquet
    files a build published; reading them never touches the warehouse)."""
    info = latest_snapshot(root)
    if info is None:
        raise FileNotFoundError(f"no published snapshot under {root}; run dbt build first")
    missing = [t for t in tables if t not in info.tables]
    if missing:
        raise FileNotFoundError(
            f"snapshot {info.path} lacks {', '.join(missing)} (a build older than the "
            f"scorer?); run dbt build to publish a new one"
        )
    return info.snapshot_id, {t: pd.read_parquet(info.path / f"{t}.parquet") for t in tables}
