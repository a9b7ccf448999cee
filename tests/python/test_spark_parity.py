"""Parity: the same raw files built on DuckDB and on Apache Spark give the same results.

Spark runs in-process (profiles.yml target `spark`, dbt-spark's `session` method) on the small
generated data the end-to-end tests build on DuckDB (`small_warehouse`), once per session. Its
tables are parquet files in the warehouse directory; the checks read them with DuckDB, so no
second JVM is started. The Spark build here runs every model, seed and unit test and the data
tests that guard the engine boundary (raw rows reconcile, quality gates, singular tests); every
data test runs on Spark in `make build-spark`.
"""

from __future__ import annotations

import functools
import json
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import REPO_ROOT, DbtResult, run_dbt

from revenue_ml.warehouse_diff import APPENDED_PER_RUN, RUN_COLUMNS, blank_stamps

pytestmark = pytest.mark.spark

#: Floats (probabilities, features, distances) agree to this, absolute or relative.
TOLERANCE = 1e-9
#: Every model, seed and unit test, and the data tests that check what the engine could change.
SPARK_SELECTION = [
    "resource_type:model",
    "resource_type:seed",
    "resource_type:unit_test",
    "test_type:singular",
    "test_name:reconciles_with_raw",
    "test_name:passes_quality_gate",
    "test_name:registered_version",
]
#: What Spark would write into the project directory by default (profiles.yml moves all of it
#: to the build's state directory; `file:` is Hive's resources folder under a relative tmpdir).
SPARK_DEFAULT_FILES = ("metastore_db", "spark-warehouse", "derby.log", "file:")


@dataclass
class SparkBuild:
    result: DbtResult
    state_dir: Path
    seconds: float

    @property
    def warehouse(self) -> Path:
        return self.state_dir / "warehouse"


@pytest.fixture(scope="session")
def spark_build(small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> SparkBuild:
    """`dbt build --target spark` of the small generated data, state in a temporary directory."""
    if shutil.which("java") is None:
        pytest.fail("Java is needed for the Spark target: `make java` installs it")
    try:
        import dbt.adapters.spark  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as err:
        pytest.fail(f"{err}: `make venv` installs the spark extra (dbt-spark, pyspark)")
    before = {name for name in SPARK_DEFAULT_FILES if (REPO_ROOT / name).exists()}
    work = tmp_path_factory.mktemp("dbt_spark")
    state = work / "spark"
    started = time.monotonic()
    result = run_dbt(
        ["build", "--target", "spark", "--select", *SPARK_SELECTION]
        + ["--indirect-selection", "empty"],  # only the data tests named above
        raw_dir=small_raw_dir,
        work_dir=work,
        env={"REVENUE_ML_SPARK_DIR": str(state)},
    ).check()
    build = SparkBuild(result, state, time.monotonic() - started)
    left = {name for name in SPARK_DEFAULT_FILES if (REPO_ROOT / name).exists()} - before
    assert not left, f"Spark wrote {sorted(left)} into the project directory"
    return build


@functools.cache
def relations(target_path: Path) -> dict[str, tuple[str, str]]:
    """``{model or seed name: (schema, table)}`` from a build's manifest."""
    manifest = json.loads((target_path / "manifest.json").read_text())
    return {
        node["name"]: (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }


def duckdb_table(build: DbtResult, name: str) -> pd.DataFrame:
    schema, table = relations(build.target_path)[name]
    with duckdb.connect(str(build.duckdb_path), read_only=True) as con:
        return con.execute(f'select * from "{schema}"."{table}"').df()


def spark_table(build: SparkBuild, name: str) -> pd.DataFrame:
    """A Spark table read from its parquet files (`<warehouse>/<schema>.db/<table>/`)."""
    schema, table = relations(build.result.target_path)[name]
    files = build.warehouse / f"{schema}.db" / table
    assert files.is_dir(), f"Spark built no table {schema}.{table}"
    return duckdb.sql(f"select * from read_parquet('{files}/*.parquet')").df()


def _plain(value):
    """A cell as a plain Python value (None for nulls), comparable across engines."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.tz_convert(None) if value.tzinfo else value
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def in_order(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Rows sorted by ``key``, then by every other column (floats rounded, so that the two
    engines' last-digit differences cannot reorder rows that tie on the key)."""
    rest = [c for c in frame.columns if c not in key]
    sort = frame.assign(
        **{
            f"_sort_{i}": frame[c].round(6) if frame[c].dtype.kind == "f" else frame[c]
            for i, c in enumerate(rest)
        }
    )
    by = key + [f"_sort_{i}" for i in range(len(rest))]
    return frame.loc[sort.sort_values(by, kind="mergesort").index].reset_index(drop=True)


def mismatches(duck: pd.DataFrame, spark: pd.DataFrame, key: list[str]) -> list[str]:
    """What differs between two versions of a table: columns, rows, or a value (floats within
    TOLERANCE); rows are matched in ``key`` order."""
    if list(duck.columns) != list(spark.columns):
        return [f"columns: DuckDB {list(duck.columns)}, Spark {list(spark.columns)}"]
    if len(duck) != len(spark):
        return [f"rows: DuckDB {len(duck)}, Spark {len(spark)}"]
    duck, spark = in_order(duck, key), in_order(spark, key)
    out = []
    for column in duck.columns:
        a, b = duck[column], spark[column]
        if a.dtype.kind == "f" or b.dtype.kind == "f":
            x, y = a.astype("float64").to_numpy(), b.astype("float64").to_numpy()
            same = np.isclose(x, y, rtol=TOLERANCE, atol=TOLERANCE) | (np.isnan(x) & np.isnan(y))
        else:
            same = np.array([_plain(u) == _plain(v) for u, v in zip(a, b, strict=True)], bool)
        if not same.all():
            row = int(np.flatnonzero(~same)[0])
            keys = {k: _plain(duck.at[row, k]) for k in key}
            out.append(
                f"{column} at {keys}: DuckDB {_plain(a.iloc[row])!r}, Spark {_plain(b.iloc[row])!r}"
            )
    return out


def compare(name: str, duck_build: DbtResult, spark: SparkBuild, key: list[str]) -> None:
    found = mismatches(duckdb_table(duck_build, name), spark_table(spark, name), key)
    assert not found, f"{name} differs between DuckDB and Spark: " + "; ".join(found[:5])


def test_spark_build_is_green(spark_build: SparkBuild) -> None:
    results = json.loads((spark_build.result.target_path / "run_results.json").read_text())
    statuses = {r["status"] for r in results["results"]}
    assert statuses <= {"success", "pass", "warn"}, statuses
    kinds = {r["unique_id"].split(".")[0] for r in results["results"]}
    assert {"model", "seed", "test", "unit_test"} <= kinds, kinds
    reconciled = [r for r in results["results"] if ".reconciles_with_raw_" in r["unique_id"]]
    assert reconciled and all(r["status"] == "pass" for r in reconciled)
    # Spark's own state stayed in the build's state directory
    assert (spark_build.state_dir / "metastore_db").is_dir()
    assert (spark_build.warehouse / "ecommerce.db" / "customer_features").is_dir()


def test_staged_and_rejected_counts_match(small_warehouse: DbtResult, spark_build: SparkBuild):
    compare("raw_row_accounting", small_warehouse, spark_build, ["source_name", "table_name"])
    compare(
        "rejected_rows_by_reason",
        small_warehouse,
        spark_build,
        ["source_name", "table_name", "reject_reason"],
    )
    # the rejects themselves: the same raw rows (the raw record's JSON is byte-identical)
    for source in ("sales_pipeline", "online_retail", "telco_churn", "marketing_campaign"):
        compare(
            f"stg_{source}__rejects",
            small_warehouse,
            spark_build,
            ["source_table", "source_row_number"],
        )


def test_customer_features_match(small_warehouse: DbtResult, spark_build: SparkBuild) -> None:
    compare("customer_features", small_warehouse, spark_build, ["customer_id"])
    for name, key in [
        ("offer_features", ["offer_id"]),
        ("churn_features", ["customer_key"]),
        ("campaign_features", ["customer_id"]),
        ("enrollment_class_features", ["periodo", "sede", "curso_actual", "horario_actual"]),
    ]:
        compare(name, small_warehouse, spark_build, key)


@pytest.mark.parametrize(
    ("mart", "key"),
    [
        ("offer_scores", ["offer_id"]),
        ("churn_scores", ["customer_key"]),
        ("campaign_scores", ["customer_id"]),
        ("campaign_contacts", ["customer_id", "objective"]),
        ("customer_segments", ["customer_id"]),
        ("enrollment_forecast", ["periodo", "sede", "curso_actual", "horario_actual"]),
    ],
)
def test_scores_match(
    small_warehouse: DbtResult, spark_build: SparkBuild, mart: str, key: list[str]
) -> None:
    duck = duckdb_table(small_warehouse, mart).drop(columns=["scored_at"], errors="ignore")
    spark = spark_table(spark_build, mart).drop(columns=["scored_at"], errors="ignore")
    assert len(duck) > 0, f"{mart} is empty: the parity check would prove nothing"
    found = mismatches(duck, spark, key)
    assert not found, f"{mart} differs between DuckDB and Spark: " + "; ".join(found[:5])


def test_insiders_list_matches(small_warehouse: DbtResult, spark_build: SparkBuild) -> None:
    def insiders(frame: pd.DataFrame) -> list[int]:
        return sorted(int(c) for c in frame.loc[frame["is_insider"], "customer_id"])

    duck = insiders(duckdb_table(small_warehouse, "customer_segments"))
    spark = insiders(spark_table(spark_build, "customer_segments"))
    assert duck, "no Insiders on DuckDB: the parity check would prove nothing"
    assert spark == duck


def test_same_models_from_the_same_training_data(
    small_warehouse: DbtResult, spark_build: SparkBuild
) -> None:
    """The training fingerprint hashes the frames the Python models received (values and
    dtypes): equal fingerprints and model texts mean the package saw the same data."""
    columns = ["model_name", "model_version", "training_fingerprint", "model_text", "metrics"]
    duck = duckdb_table(small_warehouse, "model_registry")[columns]
    spark = spark_table(spark_build, "model_registry")[columns]
    found = mismatches(duck, spark, ["model_name", "model_version"])
    assert not found, "model_registry differs between DuckDB and Spark: " + "; ".join(found)


def views(target_path: Path) -> set[str]:
    """The models a build's manifest materialises as views (no files on Spark)."""
    manifest = json.loads((target_path / "manifest.json").read_text())
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "view"
    }


def test_every_output_table_matches(small_warehouse: DbtResult, spark_build: SparkBuild) -> None:
    """Beyond the named marts: every table both builds made (run columns and per-run logs
    aside), so a new model that an engine computes differently is caught here. A view holds no
    rows of its own: it is compared through the tables built on it (the classified lines
    through int_ecommerce__purchase_invoices, customer_features and ecommerce_exclusions)."""
    in_views = views(small_warehouse.target_path)
    # views the Spark target disables (quality.domain_status reads DuckDB-only build logs)
    spark_manifest = json.loads((spark_build.result.target_path / "manifest.json").read_text())
    disabled = {node["name"] for nodes in spark_manifest["disabled"].values() for node in nodes}
    assert "domain_status" in disabled
    assert in_views - disabled == views(spark_build.result.target_path)
    duck_relations = {
        name: relation
        for name, relation in relations(small_warehouse.target_path).items()
        if name not in in_views
    }
    spark_names = {
        name
        for name, (schema, table) in relations(spark_build.result.target_path).items()
        if (spark_build.warehouse / f"{schema}.db" / table).is_dir()
    }
    assert set(duck_relations) - spark_names == set(), "tables Spark did not build"
    differing = {}
    for name in sorted(duck_relations):
        if name in APPENDED_PER_RUN:
            continue
        duck = blank_stamps(duckdb_table(small_warehouse, name))
        spark = blank_stamps(spark_table(spark_build, name))
        keep = [c for c in duck.columns if c not in RUN_COLUMNS | {"raw_dir"}]
        key = [c for c in keep if duck[c].dtype.kind not in "fc"]
        found = mismatches(duck[keep], spark[keep] if set(keep) <= set(spark) else spark, key)
        if found:
            differing[name] = found[0]
    assert not differing, f"{len(differing)} table(s) differ: {differing}"
