"""Performance benchmark (issue #8): full dbt build, SQL vs pandas features, scoring throughput.

Usage::

    python -m benchmarks.run --scales 1 10 --repeats 3 [--seed 42] [--strict]
    python -m benchmarks.run --scales 0.02 --repeats 1 --results-dir DIR --scratch-dir DIR

For each scale: generate the raw data into ``benchmarks/scratch/scale_<S>/raw`` (reused when the
same scale and seed are already there), run a full ``dbt build`` into its own DuckDB file
(wall time, peak RSS of the dbt process tree, per-node times from run_results.json), check that
no Python model reads transaction-level rows, time the customer features three ways on data
already loaded (the project's compiled SQL, a hand-written single DuckDB query, pandas written
the way the reference does it) and check they agree, and time scoring with registered models
(warm in-process, cold as a command, in-warehouse). Results go to ``benchmarks/results/`` as
JSON and markdown; a summary table is printed. Budgets are evaluated and reported (met/missed
with the figure); ``--strict`` makes a missed budget exit with status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from benchmarks import pandas_features

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DBT = str(BIN / "dbt")

#: The project's models that turn staged lines into customer features, in build order.
FEATURE_MODELS = [
    "int_ecommerce__surrogate_customers",
    "int_ecommerce__transaction_lines_classified",
    "int_ecommerce__purchase_invoices",
    "customer_features",
]
#: Models holding one row per transaction line: no Python model may read them.
TRANSACTION_LEVEL_MODELS = [
    "stg_online_retail__transactions",
    "int_ecommerce__transaction_lines_classified",
]
GB = 1024**3

#: Budgets: (id, description, scales it applies to (None = every scale), limit, unit, kind).
#: kind "max": value <= limit; "min": value >= limit; "lt": value < limit; "true": value is True.
BUDGETS = [
    ("build_seconds", "full dbt build wall time", {1.0}, 60.0, "s", "max"),
    ("build_seconds", "full dbt build wall time", {10.0}, 240.0, "s", "max"),
    ("build_peak_rss_gb", "peak RSS of the dbt process tree", {10.0}, 4.0, "GB", "max"),
    ("sql_speedup_vs_pandas", "pandas / project SQL feature time", {10.0}, 4.0, "x", "min"),
    ("project_vs_handwritten", "project dbt models / hand-written query time", {1.0, 10.0},
     1.5, "x", "max"),
    ("warm_score_1k_seconds", "warm in-process scoring of 1,000 rows (probability + label, "
     "as the reference's REST call)", None, 0.125, "s", "lt"),
    ("python_models_no_transaction_rows", "no Python model reads transaction-level rows",
     None, True, "", "true"),
    ("features_agree", "pandas, project SQL and hand-written SQL features agree", None, True,
     "", "true"),
]

HANDWRITTEN_SQL = """
create or replace table bench.handwritten_customer_features as
with t as (
    select * from staging.stg_online_retail__transactions
),
surrogates as (
    select
        invoice_no,
        greatest({surrogate_start}, (select coalesce(max(customer_id) + 1, 0) from t)) - 1
            + row_number() over (order by invoice_no) as customer_id
    from t
    where customer_id is null
    group by invoice_no
),
non_product as (
    select distinct codes.stock_code
    from (select distinct stock_code from t) as codes
    inner join seeds.non_product_stock_codes as p
        on p.is_active and codes.stock_code like p.stock_code_pattern
),
reference as (
    select max(invoice_date) as reference_date from t
),
lines as (
    select
        coalesce(t.customer_id, s.customer_id) as customer_id,
        t.customer_id is null as is_surrogate_customer,
        t.invoice_no, t.stock_code, t.quantity, t.line_amount, t.invoice_date
    from t
    left join surrogates as s
        on t.customer_id is null and t.invoice_no = s.invoice_no
    where t.stock_code not in (select stock_code from non_product)
        and t.unit_price >= {min_unit_price}
        and not coalesce(t.country in (select country from seeds.excluded_countries), false)
        and coalesce(t.customer_id, s.customer_id)
            not in (select customer_id from seeds.excluded_customers)
),
invoices as (
    select
        customer_id, invoice_no,
        bool_or(is_surrogate_customer) as is_surrogate_customer,
        count(*) as lines, count(distinct stock_code) as codes,
        sum(quantity) as units, sum(line_amount) as revenue, min(invoice_date) as invoice_date
    from lines
    where quantity >= 0
    group by customer_id, invoice_no
),
per_customer as (
    select
        customer_id,
        bool_or(is_surrogate_customer) as is_surrogate_customer,
        count(*) as total_purchases, sum(lines) as purchase_lines, sum(units) as total_products,
        sum(revenue) as revenue, avg(units) as basket_size, avg(codes) as unique_basket_size,
        count(distinct invoice_date) as purchase_days,
        min(invoice_date) as first_date, max(invoice_date) as last_date
    from invoices
    group by customer_id
),
codes as (
    select customer_id, count(distinct stock_code) as distinct_stock_codes
    from lines where quantity >= 0 group by customer_id
),
returns as (
    select customer_id, -sum(quantity) as returned_units
    from lines where quantity < 0 group by customer_id
)
select
    p.customer_id::integer as customer_id,
    p.is_surrogate_customer,
    p.revenue::decimal(18, 3) as revenue,
    (p.revenue / p.purchase_lines)::double as avg_ticket,
    (r.reference_date - p.last_date)::integer as recency_days,
    p.total_purchases::bigint as total_purchases,
    (p.total_purchases / (p.last_date - p.first_date + 1.0))::double as frequency,
    ((p.last_date - p.first_date) / nullif(p.purchase_days - 1.0, 0))::double
        as avg_days_between_purchases,
    p.total_products::bigint as total_products,
    c.distinct_stock_codes::bigint as distinct_stock_codes,
    p.purchase_lines::bigint as purchase_lines,
    p.basket_size::double as basket_size,
    p.unique_basket_size::double as unique_basket_size,
    coalesce(ret.returned_units, 0)::bigint as returned_units
from per_customer as p
inner join codes as c on p.customer_id = c.customer_id
left join returns as ret on p.customer_id = ret.customer_id
cross join reference as r
"""


# --------------------------------------------------------------------------------------------
# helpers


def log(msg: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def scale_label(scale: float) -> str:
    return f"{scale:g}"


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine_description() -> dict:
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_total = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total = int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "nproc": affinity,
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": round(mem_total / GB, 2) if mem_total else None,
        "load_average_at_start": load,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt_core": _version("dbt-core"),
        "dbt_duckdb": _version("dbt-duckdb"),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "lightgbm": _version("lightgbm"),
        "psutil": _version("psutil"),
    }


class PeakRss:
    """Samples the summed RSS of a process and all its descendants until stopped."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self.method = "psutil"
        try:
            import psutil  # noqa: F401
        except ImportError:
            self.method = "/proc"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _tree_rss_psutil(self) -> int:
        import psutil

        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _tree_rss_proc(self) -> int:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                # the command name may contain spaces: fields after the last ')'
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                parents[int(entry.name)] = ppid
            except (OSError, ValueError, IndexError):
                pass
        tree = {self.pid}
        changed = True
        while changed:
            changed = False
            for pid, ppid in parents.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    changed = True
        total = 0
        for pid in tree:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            except OSError:
                pass
        return total

    def _run(self) -> None:
        sample = self._tree_rss_psutil if self.method == "psutil" else self._tree_rss_proc
        while not self._stop.is_set():
            self.peak = max(self.peak, sample())
            self.samples += 1
            self._stop.wait(self.interval)


def dbt_env(duckdb_path: Path, raw_dir: Path) -> dict:
    return {
        **os.environ,
        "REVENUE_ML_DUCKDB": str(duckdb_path),
        "REVENUE_ML_RAW_DIR": str(raw_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=read_only)


# --------------------------------------------------------------------------------------------
# 1. data and full build


def generate(scale: float, seed: int, raw_dir: Path) -> dict:
    marker = raw_dir / ".generated"
    stamp = f"scale={scale!r} seed={seed}"
    if marker.is_file() and marker.read_text().strip() == stamp:
        log(f"scale {scale_label(scale)}: reusing generated data in {raw_dir}")
        return {"reused": True, "seconds": None, "raw_dir": str(raw_dir)}
    if raw_dir.exists():
        shutil.rmtree(raw_dir)
    log(f"scale {scale_label(scale)}: generating data into {raw_dir}")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "revenue_ml.generate", "--scale", str(scale), "--seed", str(seed),
         "--out", str(raw_dir)],
        cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    marker.write_text(stamp + "\n")
    return {"reused": False, "seconds": round(seconds, 2), "raw_dir": str(raw_dir)}


def run_build(raw_dir: Path, work: Path, timeout: float) -> dict:
    """One full dbt build into a fresh DuckDB file; wall time, peak tree RSS, exit status."""
    duckdb_path = work / "warehouse.duckdb"
    for p in (duckdb_path, Path(str(duckdb_path) + ".wal")):
        p.unlink(missing_ok=True)
    target = work / "target"
    shutil.rmtree(target, ignore_errors=True)
    cmd = [DBT, "build", "--target-path", str(target), "--log-path", str(work / "logs")]
    out_path = work / "dbt_build.log"
    start = time.perf_counter()
    with out_path.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=dbt_env(duckdb_path, raw_dir),
                                stdout=out, stderr=subprocess.STDOUT)
        with PeakRss(proc.pid) as rss:
            try:
                returncode = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                returncode = proc.wait()
    seconds = time.perf_counter() - start
    return {
        "command": shlex.join(cmd),
        "returncode": returncode,
        "seconds": round(seconds, 2),
        "peak_rss_gb": round(rss.peak / GB, 3),
        "rss_method": rss.method,
        "rss_samples": rss.samples,
        "log": str(out_path),
        "duckdb_path": str(duckdb_path),
        "target_path": str(target),
        "tail": out_path.read_text()[-3000:] if returncode else "",
    }


def node_times(target: Path) -> list[dict]:
    path = target / "run_results.json"
    if not path.is_file():
        return []
    results = json.loads(path.read_text())["results"]
    rows = [
        {
            "unique_id": r["unique_id"],
            "status": r["status"],
            "execution_time": round(float(r.get("execution_time") or 0.0), 3),
        }
        for r in results
    ]
    return sorted(rows, key=lambda r: -r["execution_time"])


def load_manifest(target: Path) -> dict:
    path = target / "manifest.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def model_node(manifest: dict, name: str) -> dict | None:
    for uid, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") == "model" and node.get("name") == name:
            return {"unique_id": uid, **node}
    return None


def row_count(con: duckdb.DuckDBPyConnection, relation: str | None) -> int | None:
    if not relation:
        return None
    try:
        return int(con.execute(f"select count(*) from {relation}").fetchone()[0])
    except duckdb.Error:
        return None


def python_model_inputs(manifest: dict, duckdb_path: Path) -> dict:
    """Each Python model's parents and their row counts against the transaction count."""
    nodes = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    forbidden_ids = {
        model_node(manifest, name)["unique_id"]
        for name in TRANSACTION_LEVEL_MODELS
        if model_node(manifest, name)
    }
    out: dict = {"models": [], "violations": []}
    with connect(duckdb_path, read_only=True) as con:
        stg = model_node(manifest, "stg_online_retail__transactions")
        transactions = row_count(con, stg and stg.get("relation_name"))
        out["transaction_rows"] = transactions
        counts: dict[str, int | None] = {}
        for uid, node in sorted(manifest.get("nodes", {}).items()):
            if node.get("resource_type") != "model" or node.get("language") != "python":
                continue
            parents = []
            for parent in node.get("depends_on", {}).get("nodes", []):
                pnode = nodes.get(parent, {})
                if parent not in counts:
                    counts[parent] = row_count(con, pnode.get("relation_name"))
                rows = counts[parent]
                too_big = transactions is not None and rows is not None and rows >= transactions
                bad = parent in forbidden_ids or too_big
                reason = ("transaction-level model" if parent in forbidden_ids
                          else "row count >= transaction count" if too_big else None)
                parents.append({"unique_id": parent, "rows": rows, "violation": reason})
                if bad:
                    out["violations"].append({"python_model": uid, "parent": parent,
                                              "rows": rows, "reason": reason})
            out["models"].append({"unique_id": uid, "parents": parents})
    out["ok"] = transactions is not None and not out["violations"]
    out["reads_transaction_models"] = any(
        v["reason"] == "transaction-level model" for v in out["violations"])
    if transactions is None:
        out["note"] = "transaction count unavailable (staging table missing)"
    out["unchecked"] = (
        "python models that read files themselves (quality.raw_file_audit reads the raw files "
        "to audit their contract) are not visible in depends_on"
    )
    return out


def build_section(raw_dir: Path, work: Path, repeats: int, short_seconds: float,
                  timeout: float) -> dict:
    runs = []
    for i in range(max(repeats, 1)):
        log(f"  dbt build run {i + 1}/{repeats}")
        run = run_build(raw_dir, work, timeout)
        runs.append(run)
        log(f"  -> rc={run['returncode']} {run['seconds']} s, peak {run['peak_rss_gb']} GB")
        if run["returncode"] != 0:
            break
        if run["seconds"] > short_seconds:
            # long runs are not repeated (one run of several minutes is its own median)
            break
    ok_runs = [r for r in runs if r["returncode"] == 0]
    last = runs[-1]
    target = Path(last["target_path"])
    nodes = node_times(target)
    return {
        "ok": bool(ok_runs) and last["returncode"] == 0,
        "runs": runs,
        "seconds_median": median([r["seconds"] for r in ok_runs]) if ok_runs else None,
        "peak_rss_gb_max": max(r["peak_rss_gb"] for r in runs),
        "nodes_total": len(nodes),
        "slowest_nodes": nodes[:15],
        "node_times": nodes,
        "duckdb_path": last["duckdb_path"],
        "target_path": last["target_path"],
    }


# --------------------------------------------------------------------------------------------
# 2. customer features: project SQL vs hand-written SQL vs pandas


def _seed_lists(con: duckdb.DuckDBPyConnection) -> dict:
    patterns = [r[0] for r in con.execute(
        "select stock_code_pattern from seeds.non_product_stock_codes where is_active"
    ).fetchall()]
    countries = [r[0] for r in con.execute(
        "select country from seeds.excluded_countries").fetchall()]
    customers = [int(r[0]) for r in con.execute(
        "select customer_id from seeds.excluded_customers").fetchall()]
    return {"non_product_patterns": patterns, "excluded_countries": countries,
            "excluded_customers": customers}


def _project_vars() -> dict:
    import yaml

    config = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())
    v = config.get("vars", {})
    return {
        "min_unit_price": float(v.get("ecommerce_min_unit_price", 0.04)),
        "surrogate_start": int(v.get("ecommerce_surrogate_customer_id_start", 19000)),
        "missing_rule": v.get("ecommerce_missing_customer_rule", "surrogate"),
        "reference_date": v.get("ecommerce_reference_date"),
    }


def _compiled(manifest: dict, target: Path, name: str) -> tuple[str, str, str]:
    node = model_node(manifest, name)
    if node is None:
        raise LookupError(f"model {name} not in the manifest")
    sql = node.get("compiled_code")
    if not sql:
        path = target / "compiled" / node["package_name"] / node["original_file_path"]
        sql = path.read_text()
    return node["relation_name"], node["config"].get("materialized", "table"), sql


def _time_project_sql(con, statements, repeats: int) -> dict:
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


def features_section(duckdb_path: Path, target: Path, repeats: int) -> dict:
    manifest = load_manifest(target)
    cfg = _project_vars()
    out: dict = {"repeats": repeats, "vars": cfg}
    if cfg["missing_rule"] != "surrogate" or cfg["reference_date"]:
        out["note"] = ("pandas and hand-written versions implement the default rules only "
                       "(surrogate customers, reference date = latest invoice date)")
    # dbt's own timings of the same models during the full build
    rr = {n["unique_id"]: n["execution_time"] for n in node_times(target)}
    out["dbt_build_node_seconds"] = {
        name: rr.get((model_node(manifest, name) or {}).get("unique_id"))
        for name in FEATURE_MODELS
    }
    statements = []
    for name in FEATURE_MODELS:
        relation, materialized, sql = _compiled(manifest, target, name)
        kind = "view" if materialized == "view" else "table"
        statements.append((name, f"create or replace {kind} {relation} as (\n{sql}\n)"))
    out["materializations"] = {
        name: _compiled(manifest, target, name)[1] for name in FEATURE_MODELS
    }

    with connect(duckdb_path) as con:
        transactions = int(con.execute(
            "select count(*) from staging.stg_online_retail__transactions").fetchone()[0])
        out["transaction_rows"] = transactions
        seeds = _seed_lists(con)

        # project SQL: the compiled feature models, re-run against the built staging table
        log("  features: project SQL (compiled models)")
        out["project_sql"] = _time_project_sql(con, statements, repeats)
        project = con.execute("select * from ecommerce.customer_features").df()

        # hand-written single query
        log("  features: hand-written DuckDB query")
        con.execute("create schema if not exists bench")
        hand_sql = HANDWRITTEN_SQL.format(surrogate_start=cfg["surrogate_start"],
                                          min_unit_price=cfg["min_unit_price"])
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            con.execute(hand_sql)
            times.append(time.perf_counter() - start)
        out["handwritten_sql"] = {"seconds_runs": [round(t, 4) for t in times],
                                  "seconds_median": median(times)}
        hand = con.execute("select * from bench.handwritten_customer_features").df()

        # pandas: load first (not timed), then time the transform alone
        log("  features: loading the staged lines into pandas")
        start = time.perf_counter()
        frame = con.execute(pandas_features.LOAD_SQL).df()
        load_seconds = time.perf_counter() - start
    log("  features: pandas")
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = pandas_features.features(
            frame, min_unit_price=cfg["min_unit_price"],
            surrogate_start=cfg["surrogate_start"], **seeds)
        times.append(time.perf_counter() - start)
    del frame
    out["pandas"] = {"seconds_runs": [round(t, 4) for t in times],
                     "seconds_median": median(times),
                     "load_seconds_not_timed": round(load_seconds, 3)}

    p_sql = out["project_sql"]["seconds_median"]
    h_sql = out["handwritten_sql"]["seconds_median"]
    out["sql_speedup_vs_pandas"] = out["pandas"]["seconds_median"] / p_sql if p_sql else None
    out["handwritten_speedup_vs_pandas"] = (
        out["pandas"]["seconds_median"] / h_sql if h_sql else None)
    out["project_vs_handwritten"] = p_sql / h_sql if h_sql else None

    project = project.set_index("customer_id").sort_index()
    hand = hand.set_index("customer_id").sort_index()
    out["customers"] = int(len(project))
    out["agreement"] = {
        "pandas_vs_project": pandas_features.compare(project, result),
        "handwritten_vs_project": pandas_features.compare(project, hand),
    }
    out["agree"] = all(v["agree"] for v in out["agreement"].values())
    return out


# --------------------------------------------------------------------------------------------
# 3. scoring throughput


def _resize(frame: pd.DataFrame, rows: int, key: str | None = None) -> pd.DataFrame:
    idx = np.resize(np.arange(len(frame)), rows)
    out = frame.iloc[idx].reset_index(drop=True)
    if key:
        out[key] = [f"bench-{i}" for i in range(rows)] if out[key].dtype == object \
            else np.arange(rows)
    return out


def _time_scoring(features: pd.DataFrame, record: dict, spec, sizes: list[int], repeats: int,
                  explain: bool) -> dict:
    from revenue_ml.ml import lifecycle

    out = {}
    for n in sizes:
        batch = _resize(features, n, spec.key)
        reps = repeats if n <= 10_000 else 1
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            scored = lifecycle.score(batch, record, spec, explain=explain)
            times.append(time.perf_counter() - start)
        assert len(scored) == n
        sec = median(times)
        out[str(n)] = {"rows": n, "seconds_runs": [round(t, 4) for t in times],
                       "seconds_median": round(sec, 4),
                       "rows_per_second": round(n / sec, 1) if sec else None}
    return out


def warm_scoring(duckdb_path: Path, sizes: list[int], repeats: int,
                 explained_sizes: list[int]) -> dict:
    """The offer model (at_open) from the registry, scored in-process with lifecycle.score:
    probability + label for ``sizes``; with the top driver (LightGBM pred_contrib, ~20x the
    prediction's cost) for ``explained_sizes``."""
    try:
        from revenue_ml.domains import sales_pipeline
        from revenue_ml.ml import lifecycle
    except Exception as exc:  # noqa: BLE001 - other helpers may be mid-edit
        return {"available": False, "reason": f"import failed: {exc!r}"}
    try:
        with connect(duckdb_path, read_only=True) as con:
            registry = con.execute("select * from ml.offer_model_versions").df()
            features = con.execute("select * from sales.offer_features").df()
            forbidden = frozenset(r[0] for r in con.execute(
                "select column_name from seeds.forbidden_features where domain = ?",
                [sales_pipeline.DOMAIN]).fetchall())
        spec = sales_pipeline.specs(forbidden)["at_open"]
        record = lifecycle.latest_passing(registry, spec.name)
    except Exception as exc:  # noqa: BLE001
        return {"available": False, "reason": repr(exc)}
    lifecycle.score(features.head(10), record, spec)  # warm-up: imports, model load paths
    return {"available": True, "model_name": spec.name,
            "model_version": int(record["model_version"]),
            "model_format": record.get("model_format"),
            "sizes": _time_scoring(features, record, spec, sizes, repeats, explain=False),
            "explained_sizes": _time_scoring(features, record, spec, explained_sizes, repeats,
                                             explain=True)}


def cold_scoring(duckdb_path: Path, raw_dir: Path, work: Path, sizes: list[int],
                 timeout: float) -> dict:
    """The churn scoring CLI as a fresh process (python start, imports, registry read)."""
    try:
        import revenue_ml.score as score_cli
    except Exception as exc:  # noqa: BLE001
        return {"available": False, "reason": f"revenue_ml.score not importable: {exc!r}"}
    if "churn" not in getattr(score_cli, "DOMAINS", {}):
        return {"available": False, "reason": "revenue_ml.score has no churn domain"}
    raw_file = raw_dir / "telco_churn" / "churn-bigml-80.csv"
    if not raw_file.is_file():
        return {"available": False, "reason": f"{raw_file} missing"}
    raw = pd.read_csv(raw_file, dtype=str, keep_default_na=False)
    out: dict = {"available": True, "command": None, "sizes": {}}
    for n in sizes:
        input_path = work / f"churn_input_{n}.csv"
        output_path = work / f"churn_scores_{n}.csv"
        _resize(raw, n).to_csv(input_path, index=False)
        cmd = [sys.executable, "-m", "revenue_ml.score", "churn", "--input", str(input_path),
               "--output", str(output_path), "--warehouse", str(duckdb_path)]
        if n > 10_000:
            cmd.append("--no-explain")  # large batches: probability + label only
        out["command"] = shlex.join(cmd)
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            out["sizes"][str(n)] = {"rows": n, "error": f"timed out after {timeout} s"}
            continue
        sec = time.perf_counter() - start
        entry = {"rows": n, "seconds": round(sec, 3), "returncode": proc.returncode}
        if proc.returncode == 0:
            entry["rows_per_second"] = round(n / sec, 1)
        else:
            entry["error"] = (proc.stdout + proc.stderr)[-1500:]
        out["sizes"][str(n)] = entry
        input_path.unlink(missing_ok=True)
        output_path.unlink(missing_ok=True)
    if all("error" in e for e in out["sizes"].values()):
        out["available"] = False
        out["reason"] = "every run failed (see sizes)"
    return out


def in_warehouse_scoring(manifest: dict, target: Path, duckdb_path: Path) -> dict:
    """Python scoring models during the build: rows of their table / their execution time."""
    times = {n["unique_id"]: n["execution_time"] for n in node_times(target)}
    out = {}
    with connect(duckdb_path, read_only=True) as con:
        for uid, node in sorted(manifest.get("nodes", {}).items()):
            if node.get("resource_type") != "model" or node.get("language") != "python":
                continue
            if not node["name"].endswith(("_predictions", "_scores", "_segments")):
                continue
            rows = row_count(con, node.get("relation_name"))
            sec = times.get(uid)
            out[node["name"]] = {
                "rows": rows,
                "seconds": sec,
                "rows_per_second": round(rows / sec, 1) if rows and sec else None,
            }
    return out


def scoring_section(duckdb_path: Path, target: Path, raw_dir: Path, work: Path,
                    sizes: list[int], repeats: int, timeout: float) -> dict:
    log("  scoring: warm in-process (offer model)")
    warm = warm_scoring(duckdb_path, sizes, max(repeats, 5),
                        [n for n in sizes if n <= 10_000] + [10_000] * (max(sizes) > 10_000))
    log("  scoring: cold command (churn CLI)")
    cold = cold_scoring(duckdb_path, raw_dir, work, sizes, timeout)
    log("  scoring: in-warehouse (python models during the build)")
    try:
        wh = in_warehouse_scoring(load_manifest(target), target, duckdb_path)
    except Exception as exc:  # noqa: BLE001
        wh = {"error": repr(exc)}
    return {"warm_in_process": warm, "cold_command": cold, "in_warehouse": wh}


# --------------------------------------------------------------------------------------------
# budgets, report


def budget_values(section: dict) -> dict:
    build = section.get("build", {})
    feats = section.get("features", {})
    warm = section.get("scoring", {}).get("warm_in_process", {})
    return {
        "build_seconds": build.get("seconds_median"),
        "build_peak_rss_gb": build.get("peak_rss_gb_max"),
        "sql_speedup_vs_pandas": feats.get("sql_speedup_vs_pandas"),
        "project_vs_handwritten": feats.get("project_vs_handwritten"),
        "warm_score_1k_seconds": (warm.get("sizes", {}).get("1000", {}) or {}).get(
            "seconds_median"),
        "python_models_no_transaction_rows": section.get("python_model_inputs", {}).get("ok"),
        "features_agree": feats.get("agree"),
    }


def evaluate_budgets(scale: float, section: dict) -> list[dict]:
    values = budget_values(section)
    out = []
    for bid, desc, scales, limit, unit, kind in BUDGETS:
        if scales is not None and scale not in scales:
            continue
        value = values.get(bid)
        if value is None and bid == "warm_score_1k_seconds" and section.get("scoring", {}).get(
                "skipped"):
            continue  # scoring is measured at one scale only
        if value is None:
            met = False
        elif kind == "max":
            met = value <= limit
        elif kind == "min":
            met = value >= limit
        elif kind == "lt":
            met = value < limit
        else:
            met = value is True
        out.append({"id": bid, "description": desc, "scale": scale, "limit": limit,
                    "unit": unit, "kind": kind,
                    "value": round(value, 4) if isinstance(value, float) else value,
                    "status": "met" if met else ("not measured" if value is None else "MISSED")})
    return out


def _fmt(v, digits: int = 3) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def summary_rows(results: dict) -> list[tuple[str, ...]]:
    rows = []
    for s in results["scales"]:
        scale = s["scale"]
        b = s.get("build", {})
        f = s.get("features", {})
        sc = s.get("scoring", {})
        warm = sc.get("warm_in_process", {})
        cold = sc.get("cold_command", {})
        rows.append((scale, "dbt build (median)", _fmt(b.get("seconds_median"), 1) + " s"))
        rows.append((scale, "dbt build peak RSS (tree)", _fmt(b.get("peak_rss_gb_max")) + " GB"))
        rows.append((scale, "transactions staged", _fmt(f.get("transaction_rows"))))
        for key, label in (("project_sql", "features: project SQL"),
                           ("handwritten_sql", "features: hand-written SQL"),
                           ("pandas", "features: pandas")):
            rows.append((scale, label, _fmt((f.get(key) or {}).get("seconds_median")) + " s"))
        rows.append((scale, "pandas / project SQL", _fmt(f.get("sql_speedup_vs_pandas"), 2)
                     + "x"))
        rows.append((scale, "project / hand-written", _fmt(f.get("project_vs_handwritten"), 2)
                     + "x"))
        rows.append((scale, "features agree", _fmt(f.get("agree"))))
        if sc.get("skipped"):
            rows.append((scale, "scoring", sc["skipped"]))
        elif warm.get("available"):
            for n, e in warm["sizes"].items():
                rows.append((scale, f"warm score {int(n):,} rows",
                             f"{_fmt(e['seconds_median'], 4)} s ({e['rows_per_second']:,.0f}/s)"))
            for n, e in warm.get("explained_sizes", {}).items():
                rows.append((scale, f"warm score + top driver {int(n):,} rows",
                             f"{_fmt(e['seconds_median'], 4)} s ({e['rows_per_second']:,.0f}/s)"))
        else:
            rows.append((scale, "warm score", "not available: " + str(warm.get("reason"))[:80]))
        if sc.get("skipped"):
            pass
        elif cold.get("available"):
            for n, e in cold["sizes"].items():
                val = (f"{_fmt(e.get('seconds'), 2)} s ({e['rows_per_second']:,.0f}/s)"
                       if "rows_per_second" in e else "failed")
                rows.append((scale, f"cold CLI score {int(n):,} rows", val))
        else:
            rows.append((scale, "cold CLI score", "not available: "
                         + str(cold.get("reason"))[:80]))
        for name, e in (sc.get("in_warehouse") or {}).items():
            if isinstance(e, dict):
                rows.append((scale, f"in-warehouse {name}",
                             f"{e.get('rows')} rows in {_fmt(e.get('seconds'), 2)} s "
                             f"({_fmt(e.get('rows_per_second'), 0)}/s)"))
        pmi = s.get("python_model_inputs", {})
        rows.append((scale, "python models read no transaction rows", _fmt(pmi.get("ok"))))
    return [tuple(str(c) for c in r) for r in rows]


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"# Benchmark {results['started_at']}",
        "",
        f"Command: `{results['command']}`",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB RAM, "
        f"load average at start {m['load_average_at_start']}; Python {m['python']}, "
        f"DuckDB {m['duckdb']}, dbt-core {m['dbt_core']}, dbt-duckdb {m['dbt_duckdb']}, "
        f"pandas {m['pandas']}.",
        "",
        f"Repeats: {results['repeats']} (median reported; a dbt build longer than "
        f"{results['short_build_seconds']} s is run once).",
        "",
        "## Summary",
        "",
        "| scale | measure | value |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in summary_rows(results)]
    lines += ["", "## Budgets", "", "| scale | budget | limit | value | status |",
              "|---|---|---|---|---|"]
    for b in results["budgets"]:
        op = {"max": "<=", "min": ">=", "lt": "<", "true": "="}[b["kind"]]
        lines.append(f"| {b['scale']:g} | {b['description']} | {op} {b['limit']}{b['unit']} | "
                     f"{_fmt(b['value'])} | {b['status']} |")
    for s in results["scales"]:
        nodes = s.get("build", {}).get("slowest_nodes", [])
        if nodes:
            lines += ["", f"## Slowest nodes, scale {s['scale']:g}", "",
                      "| node | seconds |", "|---|---|"]
            lines += [f"| {n['unique_id']} | {n['execution_time']} |" for n in nodes[:10]]
        viol = s.get("python_model_inputs", {}).get("violations", [])
        if viol:
            lines += ["", "Python models reading transaction-level rows:", ""]
            lines += [f"- {v['python_model']} <- {v['parent']} ({v['rows']} rows)" for v in viol]
    return "\n".join(lines) + "\n"


def print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    header = ("scale", "measure", "value")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    print(fmt.format(*header))
    print(fmt.format(*("-" * w for w in widths)))
    for r in rows:
        print(fmt.format(*r))


# --------------------------------------------------------------------------------------------


def bench_scale(scale: float, args: argparse.Namespace) -> dict:
    base = args.scratch_dir / f"scale_{scale_label(scale)}"
    raw_dir = base / "raw"
    work = base / "build"
    work.mkdir(parents=True, exist_ok=True)
    section: dict = {"scale": scale}
    section["generate"] = generate(scale, args.seed, raw_dir)
    log(f"scale {scale_label(scale)}: full dbt build")
    build = build_section(raw_dir, work, args.repeats, args.short_build_seconds,
                          args.build_timeout)
    section["build"] = build
    if not build["ok"]:
        section["error"] = "dbt build failed; later sections skipped: " + build["runs"][-1][
            "tail"][-1500:]
        log(f"scale {scale_label(scale)}: dbt build FAILED (see {build['runs'][-1]['log']})")
        return section
    duckdb_path, target = Path(build["duckdb_path"]), Path(build["target_path"])
    manifest = load_manifest(target)
    log(f"scale {scale_label(scale)}: python model inputs")
    try:
        section["python_model_inputs"] = python_model_inputs(manifest, duckdb_path)
    except Exception as exc:  # noqa: BLE001
        section["python_model_inputs"] = {"ok": None, "error": repr(exc)}
    # scoring reads the warehouse as built, before the feature timing rewrites tables; the
    # registered models are about the same size at every scale, so it runs at one scale
    if scale == (args.score_scale if args.score_scale is not None else min(args.scales)):
        section["scoring"] = scoring_section(duckdb_path, target, raw_dir, work,
                                             args.score_sizes, args.repeats,
                                             args.score_timeout)
    else:
        section["scoring"] = {"skipped": "warm and cold scoring measured at scale "
                              f"{args.score_scale or min(args.scales):g} only"}
        try:
            section["scoring"]["in_warehouse"] = in_warehouse_scoring(manifest, target,
                                                                      duckdb_path)
        except Exception as exc:  # noqa: BLE001
            section["scoring"]["in_warehouse"] = {"error": repr(exc)}
    log(f"scale {scale_label(scale)}: customer features")
    try:
        section["features"] = features_section(duckdb_path, target, max(args.repeats, 1))
    except Exception as exc:  # noqa: BLE001
        section["features"] = {"agree": None, "error": repr(exc)}
    return section


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", type=float, default=[1.0, 10.0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scratch-dir", type=Path, default=REPO_ROOT / "benchmarks" / "scratch")
    parser.add_argument("--results-dir", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    parser.add_argument("--score-sizes", nargs="+", type=int, default=[1_000, 1_000_000])
    parser.add_argument("--score-scale", type=float, default=None,
                        help="the scale whose warehouse the scoring runs against "
                             "(default: the smallest)")
    parser.add_argument("--short-build-seconds", type=float, default=120.0,
                        help="a dbt build longer than this is not repeated")
    parser.add_argument("--build-timeout", type=float, default=3600.0)
    parser.add_argument("--score-timeout", type=float, default=900.0)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget is missed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.scratch_dir = args.scratch_dir.resolve()
    args.results_dir = args.results_dir.resolve()
    args.scratch_dir.mkdir(parents=True, exist_ok=True)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    results: dict = {
        "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": shlex.join([Path(sys.executable).name, "-m", "benchmarks.run",
                               *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine_description(),
        "repeats": args.repeats,
        "short_build_seconds": args.short_build_seconds,
        "score_sizes": args.score_sizes,
        "scales": [],
        "budgets": [],
    }
    for scale in args.scales:
        section = bench_scale(scale, args)
        results["scales"].append(section)
        results["budgets"] += evaluate_budgets(scale, section)
    results["finished_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    results["budgets_missed"] = [b for b in results["budgets"] if b["status"] != "met"]

    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    scales = "_".join(scale_label(s) for s in args.scales)
    json_path = args.results_dir / f"bench_{stamp}_scales_{scales}.json"
    md_path = json_path.with_suffix(".md")
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    md_path.write_text(markdown(results))
    shutil.copyfile(json_path, args.results_dir / "latest.json")
    shutil.copyfile(md_path, args.results_dir / "latest.md")

    print()
    print_table(summary_rows(results))
    print()
    for b in results["budgets"]:
        print(f"budget [{b['status']}] scale {b['scale']:g}: {b['description']} "
              f"(limit {b['limit']}{b['unit']}, value {_fmt(b['value'])})")
    print(f"\nresults: {json_path}\n         {md_path}")
    failed = any("error" in s for s in results["scales"])
    if failed:
        return 2
    if args.strict and results["budgets_missed"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
