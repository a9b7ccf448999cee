"""Safe by default: CSV downloads that cannot run formulas, snapshot pruning that deletes only
what the project wrote, a killed build told apart from a running one, a busy warehouse named."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from revenue_ml import score as score_cli
from revenue_ml import snapshot
from revenue_ml.safe_csv import neutralise_formulas, to_csv_bytes


def test_csv_cells_that_start_a_formula_are_neutralised_numbers_untouched() -> None:
    frame = pd.DataFrame(
        {
            "use_case": [
                "@SUM(1+1)",
                '=HYPERLINK("x")',
                "+1",
                "-cmd",
                "\tTab",
                "\rCR",
                "Corporate Events",
                None,
            ],
            "price": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    safe = neutralise_formulas(frame)
    assert list(safe["use_case"][:6]) == [
        "'@SUM(1+1)",
        '\'=HYPERLINK("x")',
        "'+1",
        "'-cmd",
        "'\tTab",
        "'\rCR",
    ]
    assert safe["use_case"][6] == "Corporate Events" and pd.isna(safe["use_case"][7])
    assert list(safe["price"]) == list(frame["price"])  # a negative number stays a number
    text = to_csv_bytes(frame).decode()
    assert "\n@SUM" not in text and "'@SUM(1+1)" in text


def _snapshot_dir(root: Path, name: str, *, complete: bool, owned: bool, age: float) -> Path:
    path = root / name
    path.mkdir(parents=True)
    if owned:
        (path / snapshot.OWNER_MARKER).write_bytes(b"PAR1")
    if complete:
        (path / snapshot.MARKER).write_text(
            json.dumps(
                {
                    "snapshot_id": name,
                    "created_at": f"2026-01-01 00:00:{int(60 - age):02d}",
                    "tables": [],
                }
            )
        )
    stamp = time.time() - age
    for item in [path, *path.iterdir()]:
        os.utime(item, (stamp, stamp))
    return path


def test_pruning_deletes_only_snapshot_folders_this_project_wrote(tmp_path: Path) -> None:
    root = tmp_path / "snapshots"
    for i in range(5):
        _snapshot_dir(root, f"run{i}", complete=True, owned=True, age=50 - i)
    failed = _snapshot_dir(root, "failed_export", complete=False, owned=True, age=100)
    foreign = _snapshot_dir(root, "my_notes", complete=False, owned=False, age=100)
    (foreign / "important.txt").write_text("not yours")
    removed = snapshot.prune_snapshots(root, keep=3)
    assert sorted(removed) == ["failed_export", "run0", "run1"]
    assert foreign.is_dir() and (foreign / "important.txt").exists()
    assert not failed.exists()


def test_a_killed_build_is_reported_as_interrupted_not_refreshing(tmp_path: Path) -> None:
    root = tmp_path / "snapshots"
    root.mkdir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()

    def status(pid: str, ticks: str) -> str:
        (root / "status.json").write_text(
            json.dumps(
                {
                    "status": "building",
                    "invocation_id": "abc",
                    "run_started_at": "2026-01-01",
                    "build_pid": pid,
                    "build_started_ticks": ticks,
                }
            )
            + "\n"
        )
        return snapshot.read_status(root).status

    own_ticks = Path("/proc/self/stat").read_text().rsplit(") ", 1)[1].split(" ")[19]
    assert status(str(os.getpid()), own_ticks) == "building"  # alive: still refreshing
    assert status(dead, own_ticks) == snapshot.INTERRUPTED  # gone
    assert status(str(os.getpid()), "1") == snapshot.INTERRUPTED  # pid reused by another process
    assert "did not finish" in snapshot.read_status(root).message


def test_cli_scorer_names_a_busy_warehouse_and_the_way_out(tmp_path: Path, capsys) -> None:
    warehouse = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "c.execute('create schema ml'); print('ready', flush=True); time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        (tmp_path / "in.csv").write_text("State\nKS\n")
        files = ["--input", str(tmp_path / "in.csv"), "--output", str(tmp_path / "out.csv")]
        code = score_cli.main(["churn", *files, "--warehouse", str(warehouse)])
    finally:
        holder.kill()
        holder.wait()
    assert code == 1
    err = capsys.readouterr().err
    assert f"the warehouse {warehouse} is being written by another process" in err
    assert "--snapshot" in err
    assert "Traceback" not in err
