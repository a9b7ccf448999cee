"""Data and dbt builds: generate the raw data; time the full build, a second build on
unchanged data and a selected build (wall time, peak RSS of the dbt process tree, per-node
times from ``run_results.json``); what the full build trained (threads, seconds per model)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import GB, REPO_ROOT, log, median, names, scale_label
from benchmarks.warehouse import Manifest, connect
from revenue_ml.ml.runtime import THREADS_ENV, resolve_threads
from revenue_ml.settings import MlSettings

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


@dataclass(frozen=True)
class Workspace:
    """Where one scale's builds happen: raw data in, warehouse, target and logs out."""

    raw_dir: Path
    work: Path

    @property
    def duckdb_path(self) -> Path:
        """The warehouse file every build of this scale writes."""
        return self.work / "warehouse.duckdb"

    @property
    def target(self) -> Path:
        """dbt's target directory (manifest, run results, compiled SQL)."""
        return self.work / "target"

    def env(self) -> dict:
        """The environment of a dbt command: this workspace's warehouse file and raw data."""
        return {
            **os.environ,
            "REVENUE_ML_DUCKDB": str(self.duckdb_path),
            "REVENUE_ML_RAW_DIR": str(self.raw_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    def drop_warehouse(self) -> None:
        """Delete the warehouse file (and its write-ahead log): the next build starts empty."""
        for path in (self.duckdb_path, Path(f"{self.duckdb_path}.wal")):
            path.unlink(missing_ok=True)


@dataclass(frozen=True)
class BuildCommand:
    """One kind of dbt build the benchmark times."""

    key: str
    label: str
    args: tuple[str, ...]
    fresh_warehouse: bool
    #: Environment variables of the command (beyond the workspace's).
    env: tuple[tuple[str, str], ...] = ()


#: The retrain policy comes through the environment (macros/ml/build_settings.sql
#: `build_setting`), as README tells a developer: `--vars` would make dbt parse the whole
#: project again in this build and in the next one.
FULL = BuildCommand(
    "full",
    "full build (retrain_policy always, fresh warehouse)",
    ("build",),
    fresh_warehouse=True,
    env=(("REVENUE_ML_RETRAIN_POLICY", "always"),),
)
REBUILD = BuildCommand(
    "rebuild",
    "rebuild (unchanged data, same warehouse, models reused)",
    ("build",),
    fresh_warehouse=False,
)
SELECTED = BuildCommand(
    "selected",
    f"selected build (--select {names.SELECTED_BUILD_ROOT}+)",
    ("build", "--select", f"{names.SELECTED_BUILD_ROOT}+"),
    fresh_warehouse=False,
)
#: In the order they run: the rebuild and the selected build start from the full build's
#: warehouse.
BUILD_COMMANDS = (FULL, REBUILD, SELECTED)
#: How the builds are measured, for the report.
NOTE = (
    "Builds, in this order at each scale: the full build (`REVENUE_ML_RETRAIN_POLICY=always "
    "dbt build`, a fresh warehouse each run), the rebuild (`dbt build` on the "
    "same data into the same warehouse: the default retrain policy reuses the models), the "
    f"selected build (`dbt build --select {names.SELECTED_BUILD_ROOT}+`). Wall time of the "
    "command; peak RSS of the dbt process tree. All share one target directory, cleared at the "
    "start of the scale: after its first run each build finds the project parsed (dbt's partial "
    "parsing, as in a developer's loop; a change of --vars makes dbt parse again). Node counts "
    "leave out the on-run hooks."
)
#: What dbt prints when it cannot reuse the parsed project of the target directory.
FULL_PARSE_MESSAGE = "Unable to do partial parsing"


def node_times(target: Path) -> list[dict]:
    """Per-node status and execution time of the last command, slowest first (on-run hooks
    left out: they are not nodes of the DAG)."""
    path = target / "run_results.json"
    if not path.is_file():
        return []
    rows = [
        {
            "unique_id": r["unique_id"],
            "status": r["status"],
            "execution_time": round(float(r.get("execution_time") or 0.0), 3),
        }
        for r in json.loads(path.read_text())["results"]
        if not r["unique_id"].startswith("operation.")
    ]
    return sorted(rows, key=lambda r: -r["execution_time"])


def run_dbt(command: BuildCommand, ws: Workspace, run_name: str, timeout: float) -> dict:
    """One dbt command: wall time, peak RSS of its process tree, exit status, whether dbt had to
    parse the whole project, and its per-node times."""
    if command.fresh_warehouse:
        ws.drop_warehouse()
    cmd = [DBT, *command.args, "--target-path", str(ws.target), "--log-path", str(ws.work / "logs")]
    out_path = ws.work / f"dbt_{run_name}.log"
    start = time.perf_counter()
    with out_path.open("w") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env={**ws.env(), **dict(command.env)},
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
    output = out_path.read_text()
    return {
        "command": shlex.join([f"{k}={v}" for k, v in command.env] + cmd),
        "returncode": returncode,
        "seconds": round(seconds, 2),
        "peak_rss_gb": round(rss.peak / GB, 3),
        "rss_method": rss.method,
        "rss_samples": rss.samples,
        "full_parse": FULL_PARSE_MESSAGE in output,
        "log": str(out_path),
        "tail": output[-3000:] if returncode else "",
        "node_times": node_times(ws.target),
    }


def build_phase(
    command: BuildCommand, ws: Workspace, repeats: int, short_seconds: float, timeout: float
) -> dict:
    """``command`` run ``repeats`` times (fewer when one fails or takes over
    ``short_seconds``: a run of several minutes is its own median); the median wall time, the
    peak RSS and the last run's per-node times, slowest first."""
    runs = []
    for i in range(1, max(repeats, 1) + 1):
        log(f"  {command.key} build {i}/{repeats}")
        run = run_dbt(command, ws, f"{command.key}_{i}", timeout)
        log(
            f"  -> rc={run['returncode']} {run['seconds']} s, peak {run['peak_rss_gb']} GB"
            + (", full parse" if run["full_parse"] else "")
        )
        runs.append(run)
        if run["returncode"] != 0 or run["seconds"] > short_seconds:
            break
    nodes = runs[-1].pop("node_times")
    for run in runs:
        run.pop("node_times", None)
    ok_runs = [r for r in runs if r["returncode"] == 0]
    return {
        "label": command.label,
        "ok": runs[-1]["returncode"] == 0,
        "runs": runs,
        "seconds_median": median([r["seconds"] for r in ok_runs]),
        "peak_rss_gb_max": max(r["peak_rss_gb"] for r in runs),
        "nodes": len(nodes),
        "node_times": nodes,
    }


def proportionality(full: dict, selected: dict) -> dict:
    """The selected build's share of the full build's wall time against its share of the
    nodes; ``ratio`` = time share / node share (1 = time proportional to the work)."""
    time_share = (
        selected["seconds_median"] / full["seconds_median"]
        if selected["seconds_median"] and full["seconds_median"]
        else None
    )
    node_share = selected["nodes"] / full["nodes"] if full["nodes"] else None
    return {
        "nodes": selected["nodes"],
        "full_nodes": full["nodes"],
        "seconds": selected["seconds_median"],
        "full_seconds": full["seconds_median"],
        "time_share": time_share,
        "node_share": node_share,
        "ratio": time_share / node_share if time_share is not None and node_share else None,
    }


def builds_section(ws: Workspace, repeats: int, short_seconds: float, timeout: float) -> dict:
    """Every build command in turn (a failed one stops the rest), in one target directory,
    cleared first: after its first run each command finds the project parsed (dbt's partial
    parsing, as in a developer's loop; a change of ``--vars`` makes dbt parse again)."""
    shutil.rmtree(ws.target, ignore_errors=True)
    out: dict = {"ok": True, "duckdb_path": str(ws.duckdb_path), "target_path": str(ws.target)}
    for command in BUILD_COMMANDS:
        out[command.key] = build_phase(command, ws, repeats, short_seconds, timeout)
        if not out[command.key]["ok"]:
            out["ok"] = False
            out["failed"] = command.key
            return out
    out["selected_vs_full"] = proportionality(out[FULL.key], out[SELECTED.key])
    return out


def seconds_by_node(phase: dict) -> dict[str, float]:
    """A build phase's per-node execution times by unique id."""
    return {n["unique_id"]: n["execution_time"] for n in phase["node_times"]}


#: The layers of the DAG a build's node time is split into, in build order.
LAYERS = ("seeds", "staging", "intermediate", "marts (SQL)", "Python models", "data tests")


def layer_of(node: dict) -> str | None:
    """The layer of a manifest node (None for what is not timed as a node: hooks, sources)."""
    kind = node.get("resource_type")
    if kind == "seed":
        return "seeds"
    if kind == "test":
        return "data tests"
    if kind != "model":
        return None
    if node.get("language") == "python":
        return "Python models"
    path = node.get("original_file_path", "")
    if path.startswith("models/staging/"):
        return "staging"
    if path.startswith("models/intermediate/"):
        return "intermediate"
    return "marts (SQL)"


def layers_section(manifest: Manifest, phases: dict) -> dict:
    """``{build key: {layer: {"nodes", "seconds"}}}`` for the full build and the rebuild: the
    summed node times of each layer's nodes (dbt's threads run some at once, so a layer's time
    is work, not wall time)."""
    nodes = manifest.data.get("nodes", {})
    out = {}
    for key in (FULL.key, REBUILD.key):
        phase = phases.get(key)
        if not phase:
            continue
        layers = {layer: {"nodes": 0, "seconds": 0.0} for layer in LAYERS}
        for uid, seconds in seconds_by_node(phase).items():
            layer = layer_of(nodes.get(uid, {}))
            if layer is not None:
                layers[layer]["nodes"] += 1
                layers[layer]["seconds"] = round(layers[layer]["seconds"] + seconds, 3)
        out[key] = layers
    return out


def training_summary(manifest: Manifest, duckdb_path: Path) -> dict:
    """How the last full build trained: the thread setting (``ml_threads`` var /
    $REVENUE_ML_THREADS, resolved as the training models resolve it) and each registered
    model's training seconds and threads (latest versions of the registry)."""
    with connect(duckdb_path, read_only=True) as con:
        settings = MlSettings.from_table(
            con.sql(f"select * from {manifest.source(*names.BUILD_SETTINGS)}").df()
        )
        models = con.execute(
            "select model_name, model_version, training_threads, training_seconds "
            f"from {manifest.relation(names.MODEL_REGISTRY)} "
            "where is_latest_version order by training_seconds desc nulls last, model_name"
        ).df()
    return {
        "ml_threads_var": settings.ml_threads,
        "threads_env": os.environ.get(THREADS_ENV),
        "dbt_threads": settings.dbt_threads,
        "resolved_threads": resolve_threads(settings.ml_threads, settings.dbt_threads),
        "models": models.to_dict(orient="records"),
        "training_seconds_total": round(float(models["training_seconds"].sum()), 2),
    }
