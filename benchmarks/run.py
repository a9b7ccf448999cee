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
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import REPO_ROOT, builds, log, report, scale_label, scoring
from benchmarks.budgets import evaluate_budgets, missed
from benchmarks.builds import (
    FULL,
    Workspace,
    builds_section,
    generate,
    seconds_by_node,
    training_summary,
)
from benchmarks.features import features_section
from benchmarks.scoring import ThroughputSettings, in_warehouse_scoring, warm_and_cold_scoring
from benchmarks.warehouse import Manifest, python_model_inputs


def guarded(section: str, fn, *args, **fallback):
    """``fn(*args)``, or ``{"error": ..., **fallback}`` when it raises: one failing section
    must not lose the others' figures."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001
        log(f"  {section} failed: {exc!r}")
        return {**fallback, "error": repr(exc)}


def score_scale(args: argparse.Namespace) -> float:
    """The scale whose warehouse the warm and cold scoring run against."""
    return args.score_scale if args.score_scale is not None else min(args.scales)


def throughput_settings(args: argparse.Namespace) -> ThroughputSettings:
    return ThroughputSettings(args.throughput_rows, args.explain_rows, args.repeats)


def scoring_section(
    scale: float,
    args: argparse.Namespace,
    manifest: Manifest,
    ws: Workspace,
    node_seconds: dict[str, float],
) -> dict:
    """In-warehouse scoring at every scale; warm and cold scoring at the score scale only (the
    registered models are about the same size at every scale)."""
    out = {
        "in_warehouse": guarded(
            "in-warehouse scoring",
            in_warehouse_scoring,
            manifest,
            ws.duckdb_path,
            throughput_settings(args),
            node_seconds,
        )
    }
    if scale == score_scale(args):
        out.update(
            warm_and_cold_scoring(
                manifest,
                ws.duckdb_path,
                ws.raw_dir,
                ws.work,
                args.score_sizes,
                args.repeats,
                args.score_timeout,
            )
        )
    else:
        out["warm_and_cold_skipped"] = (
            f"warm and cold scoring measured at scale {score_scale(args):g} only"
        )
    return out


def bench_scale(scale: float, args: argparse.Namespace) -> dict:
    """Every measure at one scale."""
    label = scale_label(scale)
    base = args.scratch_dir / f"scale_{label}"
    ws = Workspace(raw_dir=base / "raw", work=base / "build")
    ws.work.mkdir(parents=True, exist_ok=True)
    section: dict = {"scale": scale}
    section["generate"] = generate(scale, args.seed, ws.raw_dir)
    log(f"scale {label}: dbt builds (full, rebuild, selected)")
    phases = builds_section(ws, args.repeats, args.short_build_seconds, args.build_timeout)
    section["builds"] = phases
    if not phases["ok"]:
        failed = phases[phases["failed"]]["runs"][-1]
        section["error"] = (
            f"{phases['failed']} dbt build failed; later sections skipped: "
            + (failed["tail"][-1500:])
        )
        log(f"scale {label}: dbt build FAILED (see {failed['log']})")
        return section
    manifest = Manifest.load(ws.target)
    node_seconds = seconds_by_node(phases[FULL.key])
    log(f"scale {label}: python model inputs, training")
    section["python_model_inputs"] = guarded(
        "python model inputs", python_model_inputs, manifest, ws.duckdb_path, ok=None
    )
    section["training"] = guarded("training", training_summary, manifest, ws.duckdb_path)
    # scoring reads the warehouse as built, before the feature timing rewrites tables
    section["scoring"] = scoring_section(scale, args, manifest, ws, node_seconds)
    log(f"scale {label}: customer features")
    section["features"] = guarded(
        "customer features",
        features_section,
        manifest,
        ws.duckdb_path,
        max(args.repeats, 1),
        node_seconds,
        agree=None,
    )
    return section


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scales", nargs="+", type=float, default=[1.0, 10.0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scratch-dir", type=Path, default=REPO_ROOT / "benchmarks" / "scratch")
    parser.add_argument("--results-dir", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    parser.add_argument("--score-sizes", nargs="+", type=int, default=[1_000, 1_000_000])
    parser.add_argument(
        "--throughput-rows",
        type=int,
        default=100_000,
        help="in-warehouse scoring: each model's rows are replicated to at least this many",
    )
    parser.add_argument(
        "--explain-rows",
        type=int,
        default=2_000,
        help="in-warehouse scoring: rows explained (every one) for the explanation rate",
    )
    parser.add_argument(
        "--score-scale",
        type=float,
        default=None,
        help="the scale whose warehouse the scoring runs against (default: the smallest)",
    )
    parser.add_argument(
        "--short-build-seconds",
        type=float,
        default=120.0,
        help="a dbt build longer than this is not repeated",
    )
    parser.add_argument("--build-timeout", type=float, default=3600.0)
    parser.add_argument("--score-timeout", type=float, default=900.0)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget is missed")
    return parser.parse_args(argv)


def utc_stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.scratch_dir = args.scratch_dir.resolve()
    args.results_dir = args.results_dir.resolve()
    args.scratch_dir.mkdir(parents=True, exist_ok=True)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    results: dict = {
        "started_at": utc_stamp(started),
        "command": shlex.join(
            [
                Path(sys.executable).name,
                "-m",
                "benchmarks.run",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
        "machine": report.machine_description(),
        "repeats": args.repeats,
        "short_build_seconds": args.short_build_seconds,
        "score_sizes": args.score_sizes,
        "notes": [builds.NOTE, scoring.note(throughput_settings(args))],
        "scales": [],
        "budgets": [],
    }
    for scale in args.scales:
        section = bench_scale(scale, args)
        results["scales"].append(section)
        results["budgets"] += evaluate_budgets(scale, section)
    results["finished_at"] = utc_stamp(datetime.now(UTC))
    results["budgets_missed"] = missed(results["budgets"])

    json_path, md_path = report.write(results, args.results_dir, started.strftime("%Y%m%dT%H%M%SZ"))
    report.print_summary(results)
    print(f"\nresults: {json_path}\n         {md_path}")
    if any("error" in s for s in results["scales"]):
        return 2
    if args.strict and results["budgets_missed"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
