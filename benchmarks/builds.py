"""Data and dbt builds: generate the raw data, run ``dbt build`` (wall time, peak RSS of the
dbt process tree), per-node times from ``run_results.json``."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks import GB, REPO_ROOT, log, median, scale_label

DBT = str(Path(sys.executable).parent / "dbt")


def generate(scale: float, seed: int, raw_dir: Path) -> dict:
    """Generate the raw data into ``raw_dir`` unless the same scale and seed are already there."""
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
        [
            sys.executable,
            "-m",
            "revenue_ml.generate",
            "--scale",
            str(scale),
            "--seed",
            str(seed),
            "--out",
            str(raw_dir),
        ],
        cwd=REPO_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    marker.write_text(stamp + "\n")
    return {"reused": False, "seconds": round(seconds, 2), "raw_dir": str(raw_dir)}


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
    """The environment of a benchmark's dbt command: its own warehouse file and raw data."""
    return {
        **os.environ,
        "REVENUE_ML_DUCKDB": str(duckdb_path),
        "REVENUE_ML_RAW_DIR": str(raw_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


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
        proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env=dbt_env(duckdb_path, raw_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
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
    """Per-node status and execution time of the last command, slowest first."""
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


def build_section(
    raw_dir: Path, work: Path, repeats: int, short_seconds: float, timeout: float
) -> dict:
    """Full builds, repeated ``repeats`` times unless one fails or takes over
    ``short_seconds`` (a run of several minutes is its own median)."""
    runs = []
    for i in range(max(repeats, 1)):
        log(f"  dbt build run {i + 1}/{repeats}")
        run = run_build(raw_dir, work, timeout)
        runs.append(run)
        log(f"  -> rc={run['returncode']} {run['seconds']} s, peak {run['peak_rss_gb']} GB")
        if run["returncode"] != 0 or run["seconds"] > short_seconds:
            break
    ok_runs = [r for r in runs if r["returncode"] == 0]
    last = runs[-1]
    nodes = node_times(Path(last["target_path"]))
    return {
        "ok": bool(ok_runs) and last["returncode"] == 0,
        "runs": runs,
        "seconds_median": median([r["seconds"] for r in ok_runs]),
        "peak_rss_gb_max": max(r["peak_rss_gb"] for r in runs),
        "nodes_total": len(nodes),
        "slowest_nodes": nodes[:15],
        "node_times": nodes,
        "duckdb_path": last["duckdb_path"],
        "target_path": last["target_path"],
    }
