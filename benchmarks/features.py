"""Customer features three ways, on the staged lines already in the warehouse: the project's
compiled dbt models, one hand-written DuckDB query (``sql/handwritten_customer_features.sql``)
and pandas written the way the reference does it (:mod:`benchmarks.pandas_features`). Each is
timed (transform only) and the three results must agree."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from benchmarks import REPO_ROOT, log, median, names, pandas_features, timed
from benchmarks.warehouse import Manifest, connect

HANDWRITTEN_SQL = Path(__file__).parent / "sql" / "handwritten_customer_features.sql"
#: Where the hand-written query's result goes (the benchmark's own schema).
HANDWRITTEN_TABLE = "bench.handwritten_customer_features"


def project_vars() -> dict:
    """The e-commerce rules (``ecommerce_*`` vars of dbt_project.yml) the twins implement."""
    config = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())
    v = config.get("vars", {})
    return {
        "min_unit_price": float(v.get("ecommerce_min_unit_price", 0.04)),
        "surrogate_start": int(v.get("ecommerce_surrogate_customer_id_start", 19000)),
        "missing_rule": v.get("ecommerce_missing_customer_rule", "surrogate"),
        "reference_date": v.get("ecommerce_reference_date"),
    }


def seed_lists(con: duckdb.DuckDBPyConnection, manifest: Manifest) -> dict:
    """The cleaning lists of the seeds, as the pandas twin takes them."""

    def column(sql: str) -> list:
        return [r[0] for r in con.execute(sql).fetchall()]

    return {
        "non_product_patterns": column(
            "select stock_code_pattern from "
            f"{manifest.relation(names.NON_PRODUCT_STOCK_CODES)} where is_active"
        ),
        "excluded_countries": column(
            f"select country from {manifest.relation(names.EXCLUDED_COUNTRIES)}"
        ),
        "excluded_customers": [
            int(c)
            for c in column(
                f"select customer_id from {manifest.relation(names.EXCLUDED_CUSTOMERS)}"
            )
        ],
    }


def handwritten_sql(manifest: Manifest, cfg: dict) -> str:
    """The hand-written query with its relations and rules filled in."""
    return HANDWRITTEN_SQL.read_text().format(
        transactions=manifest.relation(names.STAGED_TRANSACTIONS),
        non_product_stock_codes=manifest.relation(names.NON_PRODUCT_STOCK_CODES),
        excluded_countries=manifest.relation(names.EXCLUDED_COUNTRIES),
        excluded_customers=manifest.relation(names.EXCLUDED_CUSTOMERS),
        surrogate_start=cfg["surrogate_start"],
        min_unit_price=cfg["min_unit_price"],
    )


def project_statements(manifest: Manifest) -> list[tuple[str, str]]:
    """(model, ``create or replace`` statement) of each feature model, in build order."""
    statements = []
    for name in names.FEATURE_MODELS:
        kind = "view" if manifest.config(name).get("materialized") == "view" else "table"
        statements.append(
            (
                name,
                f"create or replace {kind} {manifest.relation(name)} as (\n"
                f"{manifest.compiled_sql(name)}\n)",
            )
        )
    return statements


def time_project_sql(
    con: duckdb.DuckDBPyConnection, statements: list[tuple[str, str]], repeats: int
) -> dict:
    """The feature models re-run in build order: total and per-model medians."""
    totals, per_model = [], {name: [] for name, _ in statements}
    for _ in range(repeats):
        total = 0.0
        for name, stmt in statements:
            start = time.perf_counter()
            con.execute(stmt)
            elapsed = time.perf_counter() - start
            per_model[name].append(elapsed)
            total += elapsed
        totals.append(total)
    return {
        "seconds_runs": [round(t, 4) for t in totals],
        "seconds_median": median(totals),
        "per_model_median": {k: round(median(v), 4) for k, v in per_model.items()},
    }


def time_pandas(
    con: duckdb.DuckDBPyConnection, manifest: Manifest, cfg: dict, seeds: dict, repeats: int
) -> tuple[dict, pd.DataFrame]:
    """The pandas twin: the staged lines loaded first (not timed), then the transform timed;
    its timings and result (the loaded lines are freed on return)."""
    log("  features: loading the staged lines into pandas (not timed)")
    start = time.perf_counter()
    frame = con.execute(
        pandas_features.LOAD_SQL.format(transactions=manifest.relation(names.STAGED_TRANSACTIONS))
    ).df()
    load_seconds = time.perf_counter() - start
    log("  features: pandas")
    timing, result = timed(
        lambda: pandas_features.features(
            frame,
            min_unit_price=cfg["min_unit_price"],
            surrogate_start=cfg["surrogate_start"],
            **seeds,
        ),
        repeats,
    )
    return {**timing, "load_seconds_not_timed": round(load_seconds, 3)}, result


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None when either is missing or the denominator is 0."""
    return numerator / denominator if numerator is not None and denominator else None


def features_section(
    manifest: Manifest, duckdb_path: Path, repeats: int, build_node_seconds: dict[str, float]
) -> dict:
    """Time the three implementations and check that they agree (``build_node_seconds``: the
    full build's per-node times, reported next to them).

    Rewrites the feature models' tables (same content), so it runs after anything that reads
    the warehouse as built."""
    cfg = project_vars()
    out: dict = {"repeats": repeats, "vars": cfg}
    if cfg["missing_rule"] != "surrogate" or cfg["reference_date"]:
        out["note"] = (
            "pandas and hand-written versions implement the default rules only "
            "(surrogate customers, reference date = latest invoice date)"
        )
    # dbt's own timings of the same models during the build
    out["dbt_build_node_seconds"] = {
        name: build_node_seconds.get(manifest.node(name)["unique_id"])
        for name in names.FEATURE_MODELS
    }
    out["materializations"] = {
        name: manifest.config(name).get("materialized") for name in names.FEATURE_MODELS
    }
    statements = project_statements(manifest)

    with connect(duckdb_path) as con:
        out["transaction_rows"] = int(
            con.execute(
                f"select count(*) from {manifest.relation(names.STAGED_TRANSACTIONS)}"
            ).fetchone()[0]
        )
        seeds = seed_lists(con, manifest)

        log("  features: project SQL (compiled models)")
        out["project_sql"] = time_project_sql(con, statements, repeats)
        project = con.execute(f"select * from {manifest.relation(names.CUSTOMER_FEATURES)}").df()

        log("  features: hand-written DuckDB query")
        con.execute("create schema if not exists bench")
        hand_stmt = (
            f"create or replace table {HANDWRITTEN_TABLE} as (\n{handwritten_sql(manifest, cfg)}\n)"
        )
        out["handwritten_sql"], _ = timed(lambda: con.execute(hand_stmt), repeats)
        hand = con.execute(f"select * from {HANDWRITTEN_TABLE}").df()

        out["pandas"], result = time_pandas(con, manifest, cfg, seeds, repeats)

    p_sql = out["project_sql"]["seconds_median"]
    h_sql = out["handwritten_sql"]["seconds_median"]
    out["sql_speedup_vs_pandas"] = ratio(out["pandas"]["seconds_median"], p_sql)
    out["handwritten_speedup_vs_pandas"] = ratio(out["pandas"]["seconds_median"], h_sql)
    out["project_vs_handwritten"] = ratio(p_sql, h_sql)
    out.update(agreement(project, hand, result))
    return out


def agreement(project: pd.DataFrame, hand: pd.DataFrame, pandas_result: pd.DataFrame) -> dict:
    """The customers count and whether pandas and the hand-written query agree with the project
    (``agree``: all three agree)."""
    project = project.set_index("customer_id").sort_index()
    hand = hand.set_index("customer_id").sort_index()
    checks = {
        "pandas_vs_project": pandas_features.compare(project, pandas_result),
        "handwritten_vs_project": pandas_features.compare(project, hand),
    }
    return {
        "customers": int(len(project)),
        "agreement": checks,
        "agree": all(v["agree"] for v in checks.values()),
    }
