"""The snapshot every ``dbt build`` publishes for readers that must never open the warehouse.

DuckDB allows one writer or many readers per file, so the dashboard, the command-line scorer
and the scoring service read what the build published instead (macros/dashboard/):

    <root>/status.json                            building | ready | failed (dbt's hooks)
    <root>/<invocation_id>/<schema>.<table>.parquet
    <root>/<invocation_id>/_snapshot.json         written last: the snapshot is complete

This module finds the newest complete snapshot, reads the build status (telling a killed build
from a running one) and prunes old snapshots, deleting only directories the hooks wrote.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Environment variable naming the snapshot directory (the dbt hooks read it too).
SNAPSHOT_ENV = "REVENUE_ML_DASHBOARD_SNAPSHOT"
#: Parent of the per-warehouse snapshot folders (``<it>/<warehouse file stem>``).
SNAPSHOTS_DIR = REPO_ROOT / "target" / "dashboard_snapshot"
#: Environment variable naming the warehouse file (profiles.yml reads it too).
WAREHOUSE_ENV = "REVENUE_ML_DUCKDB"
DEFAULT_SNAPSHOT_DIR = SNAPSHOTS_DIR / "warehouse"
MARKER = "_snapshot.json"
#: Complete snapshots kept on disk; older ones are pruned when a newer one is opened.
KEEP_SNAPSHOTS = 3


def snapshot_root(warehouse: str | os.PathLike | None = None) -> Path:
    """The snapshot directory of a warehouse: $REVENUE_ML_DASHBOARD_SNAPSHOT when set, else
    ``target/dashboard_snapshot/<stem>`` where stem is the warehouse file's name without its
    extension (``warehouse``, or from $REVENUE_ML_DUCKDB): each warehouse publishes into its
    own folder (macros/dashboard/dashboard_snapshot.sql)."""
    env = os.environ.get(SNAPSHOT_ENV)
    if env and warehouse is None:
        return Path(env)
    name = warehouse or os.environ.get(WAREHOUSE_ENV) or "warehouse.duckdb"
    return SNAPSHOTS_DIR / Path(name).stem


def _read_json_line(path: Path) -> dict | None:
    """DuckDB's COPY ... (FORMAT json) writes one object per line; None if absent or torn."""
    try:
        text = path.read_text(encoding="utf-8").strip()
        return json.loads(text.splitlines()[0]) if text else None
    except (OSError, ValueError, IndexError):
        return None


#: Status of a build whose process is gone although it never said it finished (killed).
INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class BuildStatus:
    """What the last dbt build said: building, ready, failed, interrupted (it said building but
    its process is gone), or unknown (no status file)."""

    status: str
    invocation_id: str | None = None
    run_started_at: str | None = None
    written_at: str | None = None
    snapshot_id: str | None = None
    message: str = ""
    build_pid: str | None = None
    build_started_ticks: str | None = None


def process_is_running(
    pid: str | None, started_ticks: str | None, proc: Path = Path("/proc")
) -> bool | None:
    """Whether the process ``pid`` that started at ``started_ticks`` (field 22 of its
    /proc/<pid>/stat) still runs; None when that cannot be told (no /proc, no pid)."""
    if not pid or not started_ticks or not (proc / "self" / "stat").exists():
        return None
    try:
        stat = (proc / str(int(pid)) / "stat").read_text()
    except (OSError, ValueError):
        return False
    fields = stat.rsplit(") ", 1)[-1].split(" ")
    return len(fields) > 19 and fields[19] == str(started_ticks)


def read_status(root: Path) -> BuildStatus:
    raw = _read_json_line(root / "status.json")
    if not raw:
        return BuildStatus("unknown")
    status = BuildStatus(
        status=str(raw.get("status") or "unknown"),
        invocation_id=raw.get("invocation_id"),
        run_started_at=raw.get("run_started_at"),
        written_at=raw.get("written_at"),
        snapshot_id=raw.get("snapshot_id"),
        message=raw.get("message") or "",
        build_pid=raw.get("build_pid"),
        build_started_ticks=raw.get("build_started_ticks"),
    )
    if (
        status.status == "building"
        and process_is_running(status.build_pid, status.build_started_ticks) is False
    ):
        return BuildStatus(
            **{
                **status.__dict__,
                "status": INTERRUPTED,
                "message": f"the build started {status.run_started_at} UTC did "
                f"not finish (its process {status.build_pid} is gone)",
            }
        )
    return status


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_id: str
    path: Path
    created_at: str
    tables: tuple[str, ...]
    #: What data the build ran on, in words (macro ``dataset_label``).
    dataset: str = "unknown data"


def list_snapshots(root: Path) -> list[SnapshotInfo]:
    """Complete snapshots (with their marker), oldest first."""
    out = []
    if not root.is_dir():
        return out
    for child in root.iterdir():
        marker = _read_json_line(child / MARKER) if child.is_dir() else None
        if marker and marker.get("snapshot_id") == child.name:
            out.append(
                SnapshotInfo(
                    child.name,
                    child,
                    str(marker.get("created_at", "")),
                    tuple(marker.get("tables") or ()),
                    str(marker.get("dataset") or "unknown data"),
                )
            )
    return sorted(out, key=lambda s: s.created_at)


def latest_snapshot(root: Path) -> SnapshotInfo | None:
    snapshots = list_snapshots(root)
    return snapshots[-1] if snapshots else None


#: File every snapshot directory the dbt hooks create starts with (macros/dashboard/).
OWNER_MARKER = "_revenue_ml_snapshot_0.parquet"


def written_by_this_project(directory: Path) -> bool:
    """A snapshot directory the dbt hooks wrote: it holds the owner marker, or the complete
    marker naming this very directory. Nothing else is ever deleted."""
    if (directory / OWNER_MARKER).is_file():
        return True
    marker = _read_json_line(directory / MARKER)
    return bool(marker) and marker.get("snapshot_id") == directory.name


def prune_snapshots(root: Path, keep: int = KEEP_SNAPSHOTS) -> list[str]:
    """Delete all but the newest ``keep`` complete snapshots, and incomplete snapshot
    directories older than the newest complete one (a failed export); never the build in
    progress, and never a directory this project did not write (see
    :func:`written_by_this_project`)."""
    complete = list_snapshots(root)
    if not complete:
        return []
    kept = {s.snapshot_id for s in complete[-keep:]}
    newest_mtime = (complete[-1].path / MARKER).stat().st_mtime
    building = read_status(root).invocation_id
    removed = []
    for child in root.iterdir():
        if not child.is_dir() or child.name in kept or child.name == building:
            continue
        if not written_by_this_project(child):
            continue
        is_complete = any(s.snapshot_id == child.name for s in complete)
        if is_complete or child.stat().st_mtime < newest_mtime:
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child.name)
    return removed
