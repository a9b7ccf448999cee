"""The snapshot every ``dbt build`` publishes for readers that must never open the warehouse.

DuckDB allows one writer or many readers per file, so the dashboard, the command-line scorer
and the scoring service read what the build published instead (macros/dashboard/):

    <root>/status.json                            building | ready | failed (dbt's hooks)
    <root>/<invocation_id>/<schema>.<table>.parquet
    <root>/<invocation_id>/_snapshot.json         written last: the snapshot is complete

This module finds the newest complete snapshot, reads the build status (telling a killed build
from a running one) and prunes old snapshots, deleting only directories the hooks wrote.

:func:`republish` writes a new snapshot between builds: the newest one with some tables taken
from the warehouse again. A manual promotion (``python -m revenue_ml.registry promote``) uses
it, so the readers of the snapshot (the scoring service on reload, the dashboard by itself) see
the new champion without waiting for the next build.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Sequence
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


def published_root(warehouse: str | os.PathLike) -> Path:
    """Where a ``dbt build`` of ``warehouse`` publishes by default (the hooks' rule, less the
    var ``dashboard_snapshot_dir`` that only the build knows): $REVENUE_ML_DASHBOARD_SNAPSHOT
    when set, else ``target/dashboard_snapshot/<stem>``. Unlike :func:`snapshot_root`, the
    environment wins over an explicit warehouse, as it does for the build."""
    env = os.environ.get(SNAPSHOT_ENV)
    return Path(env) if env else SNAPSHOTS_DIR / Path(warehouse).stem


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


def _sql_text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link (no bytes copied; a snapshot's files are never changed in place, and pruning
    one directory leaves the other's link), a copy where the file system has none."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def republish(root: Path, con, tables: Sequence[str], reason: str) -> SnapshotInfo:
    """A new complete snapshot under ``root``: the newest one, with ``tables``
    (``schema.table``) exported again over ``con`` (a DuckDB connection to the warehouse the
    snapshot came from). The caller holds the warehouse's write lock, so no build publishes
    meanwhile; the marker is written last and renamed into place, as the hooks make a snapshot
    appear whole. The marker keeps the build's ``run_started_at`` and dataset and says why
    (``republished_from``, ``reason``). Raises FileNotFoundError when ``root`` holds no
    complete snapshot."""
    source = latest_snapshot(root)
    if source is None:
        raise FileNotFoundError(f"no published snapshot under {root}")
    built = _read_json_line(source.path / MARKER) or {}
    snapshot_id = str(uuid.uuid4())
    target = root / snapshot_id
    target.mkdir()
    replaced = {f"{name}.parquet" for name in tables}
    try:
        for child in sorted(source.path.iterdir()):
            if child.is_file() and child.name != MARKER and child.name not in replaced:
                _link_or_copy(child, target / child.name)
        for name in tables:
            schema, table = name.split(".", 1)
            con.execute(
                f'copy "{schema}"."{table}" to {_sql_text(target / f"{name}.parquet")} '
                "(format parquet)"
            )
        names = sorted(set(source.tables) | set(tables))
        pending = target / f"{MARKER}.tmp"
        con.execute(
            "copy (select "
            f"{_sql_text(snapshot_id)} as snapshot_id, "
            f"cast({_sql_text(built.get('run_started_at') or source.created_at)} as timestamp) "
            "as run_started_at, "
            "cast(now() at time zone 'UTC' as timestamp) as created_at, "
            f"{_sql_text(source.dataset)} as dataset, "
            f"[{', '.join(_sql_text(n) for n in names)}]::varchar[] as tables, "
            f"{_sql_text(source.snapshot_id)} as republished_from, "
            f"{_sql_text(reason)} as reason"
            f") to {_sql_text(pending)} (format json)"
        )
        os.replace(pending, target / MARKER)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return next(s for s in list_snapshots(root) if s.snapshot_id == snapshot_id)
