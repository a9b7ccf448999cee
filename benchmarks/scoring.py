"""Scoring throughput with the registered models: warm in-process, cold as a command,
in-warehouse (the Python scoring models during the build)."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import REPO_ROOT, log, median, names
from benchmarks.warehouse import Manifest, connect, row_count


def resize(frame: pd.DataFrame, rows: int, key: str | None = None) -> pd.DataFrame:
    """``frame``'s rows repeated (or cut) to ``rows`` rows; ``key`` made unique again."""
    idx = np.resize(np.arange(len(frame)), rows)
    out = frame.iloc[idx].reset_index(drop=True)
    if key:
        out[key] = (
            [f"bench-{i}" for i in range(rows)] if out[key].dtype == object else np.arange(rows)
        )
    return out


def _time_scoring(
    features: pd.DataFrame, record: dict, spec, sizes: list[int], repeats: int, explain: bool
) -> dict:
    from revenue_ml.ml import lifecycle

    out = {}
    for n in sizes:
        batch = resize(features, n, spec.key)
        reps = repeats if n <= 10_000 else 1
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            scored = lifecycle.score(batch, record, spec, explain=explain)
            times.append(time.perf_counter() - start)
        assert len(scored) == n
        sec = median(times)
        out[str(n)] = {
            "rows": n,
            "seconds_runs": [round(t, 4) for t in times],
            "seconds_median": round(sec, 4),
            "rows_per_second": round(n / sec, 1) if sec else None,
        }
    return out


def warm_scoring(
    manifest: Manifest,
    duckdb_path: Path,
    sizes: list[int],
    repeats: int,
    explained_sizes: list[int],
) -> dict:
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
            registry = con.execute(f"select * from {manifest.relation(names.OFFER_REGISTRY)}").df()
            features = con.execute(f"select * from {manifest.relation(names.OFFER_FEATURES)}").df()
            forbidden = frozenset(
                r[0]
                for r in con.execute(
                    f"select column_name from {manifest.relation(names.FORBIDDEN_FEATURES)} "
                    "where domain = ?",
                    [sales_pipeline.DOMAIN],
                ).fetchall()
            )
        spec = sales_pipeline.specs(forbidden)["at_open"]
        record = lifecycle.latest_passing(registry, spec.name)
    except Exception as exc:  # noqa: BLE001
        return {"available": False, "reason": repr(exc)}
    lifecycle.score(features.head(10), record, spec)  # warm-up: imports, model load paths
    return {
        "available": True,
        "model_name": spec.name,
        "model_version": int(record["model_version"]),
        "model_format": record.get("model_format"),
        "sizes": _time_scoring(features, record, spec, sizes, repeats, explain=False),
        "explained_sizes": _time_scoring(
            features, record, spec, explained_sizes, repeats, explain=True
        ),
    }


def cold_scoring(
    duckdb_path: Path, raw_dir: Path, work: Path, sizes: list[int], timeout: float
) -> dict:
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
        resize(raw, n).to_csv(input_path, index=False)
        cmd = [
            sys.executable,
            "-m",
            "revenue_ml.score",
            "churn",
            "--input",
            str(input_path),
            "--output",
            str(output_path),
            "--warehouse",
            str(duckdb_path),
        ]
        if n > 10_000:
            cmd.append("--no-explain")  # large batches: probability + label only
        out["command"] = shlex.join(cmd)
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
            )
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


def in_warehouse_scoring(
    manifest: Manifest, duckdb_path: Path, build_node_seconds: dict[str, float]
) -> dict:
    """Python scoring models during the build: rows of their table / their execution time."""
    out = {}
    with connect(duckdb_path, read_only=True) as con:
        for node in manifest.python_models():
            if not node["name"].endswith(("_predictions", "_scores", "_segments")):
                continue
            rows = row_count(con, node.get("relation_name"))
            sec = build_node_seconds.get(node["unique_id"])
            out[node["name"]] = {
                "rows": rows,
                "seconds": sec,
                "rows_per_second": round(rows / sec, 1) if rows and sec else None,
            }
    return out


def scoring_section(
    manifest: Manifest,
    duckdb_path: Path,
    raw_dir: Path,
    work: Path,
    sizes: list[int],
    repeats: int,
    timeout: float,
    build_node_seconds: dict[str, float],
) -> dict:
    """Warm, cold and in-warehouse scoring."""
    log("  scoring: warm in-process (offer model)")
    warm = warm_scoring(
        manifest,
        duckdb_path,
        sizes,
        max(repeats, 5),
        [n for n in sizes if n <= 10_000] + [10_000] * (max(sizes) > 10_000),
    )
    log("  scoring: cold command (churn CLI)")
    cold = cold_scoring(duckdb_path, raw_dir, work, sizes, timeout)
    log("  scoring: in-warehouse (python models during the build)")
    try:
        wh = in_warehouse_scoring(manifest, duckdb_path, build_node_seconds)
    except Exception as exc:  # noqa: BLE001
        wh = {"error": repr(exc)}
    return {"warm_in_process": warm, "cold_command": cold, "in_warehouse": wh}
