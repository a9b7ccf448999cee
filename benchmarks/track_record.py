"""What the prediction log, the track record and the alerts cost (issue 22).

Two figures:

- **per build**: the execution time of the monitoring nodes (the models named in
  :data:`benchmarks.names.MONITORING_MODELS` and the data tests on them) in the full build and
  the rebuild, from ``run_results.json``. It is the sum of their node times, so an upper bound
  of the wall time they add (with two dbt threads some of it overlaps other nodes). Budget: at
  most 3 s at scale 1.
- **growth**: ``builds`` successive builds into one warehouse, each on the world generated as of
  one month-end (``python -m revenue_ml.generate --as-of``; the last month-ends of the world,
  oldest first), as a monthly schedule would run them: after each build, the prediction log's
  rows, its storage in the warehouse file (DuckDB blocks) and the build's wall time. Opt-in
  size (``--track-record-builds``, default 12 at the largest scale of the run; 0 skips it).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import REPO_ROOT, log, names, scale_label
from benchmarks.builds import DBT, Workspace
from benchmarks.warehouse import Manifest, connect
from revenue_ml.generate import as_of_range, iso_day

#: DuckDB's storage block size (bytes).
BLOCK_BYTES = 262_144


def monitoring_nodes(target: Path) -> set[str]:
    """Unique ids of the monitoring models and of the data tests that read one of them."""
    manifest = json.loads((target / "manifest.json").read_text())
    models = {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["name"] in names.MONITORING_MODELS
    }
    missing = set(names.MONITORING_MODELS) - {manifest["nodes"][uid]["name"] for uid in models}
    if missing:
        raise LookupError(f"monitoring models not in the dbt project: {sorted(missing)}")
    tests = {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("test", "unit_test")
        and set(node.get("depends_on", {}).get("nodes", [])) & models
    }
    return models | tests


def cost_section(target: Path, phases: dict) -> dict:
    """The monitoring nodes' summed execution time in each timed build (full, rebuild)."""
    nodes = monitoring_nodes(target)
    out: dict = {"nodes": len(nodes)}
    for key in ("full", "rebuild"):
        times = [n for n in phases[key]["node_times"] if n["unique_id"] in nodes]
        out[key] = {
            "seconds": round(sum(n["execution_time"] for n in times), 3),
            "build_seconds": phases[key]["seconds_median"],
            "slowest": times[:3],
        }
    out["seconds_max"] = max(out["full"]["seconds"], out["rebuild"]["seconds"])
    return out


def month_ends(count: int) -> list[str]:
    """The last ``count`` month-ends of the generated world (oldest first), each a valid
    ``--as-of`` date."""
    first, last = as_of_range()
    day = dt.date.fromisoformat(iso_day(last))
    ends: list[dt.date] = []
    cursor = day.replace(day=1) - dt.timedelta(days=1) if day.day != _month_end(day).day else day
    while len(ends) < count:
        ends.append(cursor)
        cursor = cursor.replace(day=1) - dt.timedelta(days=1)
    dates = [d.isoformat() for d in reversed(ends)]
    if dates[0] < iso_day(first):
        raise ValueError(f"{count} month-ends reach before the world's first day {iso_day(first)}")
    return dates


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _log_size(manifest: Manifest, duckdb_path: Path) -> dict:
    relation = manifest.relation(names.PREDICTION_LOG)
    schema, table = (part.strip('"') for part in relation.split(".")[-2:])
    with connect(duckdb_path, read_only=True) as con:
        (rows,) = con.execute(f"select count(*) from {relation}").fetchone()
        (blocks,) = con.execute(
            "select count(distinct block_id) from pragma_storage_info(?) where block_id >= 0",
            [f"{schema}.{table}"],
        ).fetchone()
    return {
        "rows": int(rows),
        "storage_mb": round(blocks * BLOCK_BYTES / 1e6, 2),
        "file_mb": round(duckdb_path.stat().st_size / 1e6, 1),
    }


def growth_section(scale: float, seed: int, builds: int, scratch: Path, timeout: float) -> dict:
    """``builds`` monthly as-of builds at ``scale`` into one fresh warehouse."""
    base = scratch / f"track_record_{scale_label(scale)}"
    if base.exists():
        shutil.rmtree(base)
    ws = Workspace(raw_dir=base / "raw", work=base / "build")
    ws.work.mkdir(parents=True)
    rows = []
    for i, as_of in enumerate(month_ends(builds), start=1):
        log(f"track record: build {i}/{builds}, data as of {as_of} (scale {scale_label(scale)})")
        if ws.raw_dir.exists():
            shutil.rmtree(ws.raw_dir)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "revenue_ml.generate", "--scale", str(scale)]
            + ["--seed", str(seed), "--as-of", as_of, "--out", str(ws.raw_dir)],
            cwd=REPO_ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        generated = time.perf_counter() - started
        started = time.perf_counter()
        out = ws.work / f"dbt_{i}.log"
        with out.open("w") as handle:
            proc = subprocess.run(
                [DBT, "build", "--target-path", str(ws.target)]
                + ["--log-path", str(ws.work / "logs")],
                cwd=REPO_ROOT,
                env=ws.env(),
                stdout=handle,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            tail = out.read_text()[-1500:]
            return {"scale": scale, "builds": rows, "error": f"build {i} failed: {tail}"}
        size = _log_size(Manifest.load(ws.target), ws.duckdb_path)
        rows.append(
            {
                "as_of": as_of,
                "generate_seconds": round(generated, 1),
                "build_seconds": round(seconds, 1),
                **size,
            }
        )
        log(f"  -> {seconds:.0f} s; prediction log {size['rows']:,} rows, {size['storage_mb']} MB")
    return {"scale": scale, "seed": seed, "builds": rows}
