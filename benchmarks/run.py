"""Performance benchmark (issue #8): dbt builds, SQL vs pandas features, scoring throughput.

Usage::

    python -m benchmarks.run --scales 1 10 --repeats 3 [--seed 42] [--strict]
    python -m benchmarks.run --scales 0.02 --repeats 1 --results-dir DIR --scratch-dir DIR

For each scale: generate the raw data into ``benchmarks/scratch/scale_<S>/raw`` (reused when the
same scale and seed are already there); time a full ``dbt build`` (retrain_policy always), a
second build on the unchanged data and a selected build (:mod:`benchmarks.builds`); check that
no Python model reads transaction-level rows and record how the models were trained; time the
scoring (:mod:`benchmarks.scoring`: the package's scoring functions in-process on the built
warehouse at every scale; warm in-process and cold CLI scoring at one scale); time the customer
features three ways and check they agree (:mod:`benchmarks.features`); sum what the monitoring
nodes (prediction log, track record, alerts) cost per build, and at the largest scale run
monthly as-of builds into one warehouse to see the prediction log grow
(:mod:`benchmarks.track_record`; ``--track-record-builds 0`` skips them). The budgets
(:mod:`benchmarks.budgets`) are evaluated and everything is written to ``benchmarks/results/``
as JSON and markdown, with a summary printed (:mod:`benchmarks.report`). ``--strict`` makes a
missed budget exit with status 1.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    REPO_ROOT,
    budgets,
    builds,
    features,
    log,
    report,
    scale_label,
    scoring,
    track_record,
)
from benchmarks.warehouse import Manifest, python_model_inputs

#: Above this scale the bench times the builds only: scoring (about the same models at every
#: scale) and the pandas features twin (the whole transaction table in memory) are measured up
#: to here, where their budgets are.
DETAIL_MAX_SCALE = 10.0


def guarded(section: str, fn: Callable[..., dict], *args: object, **fallback: object) -> dict:
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


def api_settings(args: argparse.Namespace) -> scoring.ApiSettings:
    """The sizes of the REST API measures."""
    return scoring.ApiSettings(args.api_batch_requests, args.api_single_requests, args.api_clients)


def throughput_settings(args: argparse.Namespace) -> scoring.ThroughputSettings:
    """The sizes of the in-warehouse scoring measures."""
    return scoring.ThroughputSettings(args.throughput_rows, args.explain_rows, args.repeats)


def scoring_section(
    scale: float,
    args: argparse.Namespace,
    manifest: Manifest,
    ws: builds.Workspace,
    node_seconds: dict[str, float],
) -> dict:
    """In-warehouse scoring at every scale; warm and cold scoring and the REST API at the
    score scale only (the registered models are about the same size at every scale)."""
    out = {
        "in_warehouse": guarded(
            "in-warehouse scoring",
            scoring.in_warehouse_scoring,
            manifest,
            ws.duckdb_path,
            throughput_settings(args),
            node_seconds,
        )
    }
    if scale != score_scale(args):
        out["warm_and_cold_skipped"] = (
            f"warm and cold scoring measured at scale {score_scale(args):g} only"
        )
        return out
    out.update(
        scoring.warm_and_cold_scoring(
            manifest,
            ws.duckdb_path,
            ws.raw_dir,
            ws.work,
            args.score_sizes,
            args.repeats,
            args.score_timeout,
        )
    )
    log("  scoring: REST API (python -m revenue_ml.serve)")
    out["rest_api"] = guarded(
        "REST API",
        scoring.rest_api_section,
        ws.duckdb_path,
        ws.raw_dir,
        ws.work,
        api_settings(args),
        available=False,
    )
    return out


def bench_scale(scale: float, args: argparse.Namespace) -> dict:
    """Every measure at one scale (the later ones skipped when a build fails)."""
    label = scale_label(scale)
    base = args.scratch_dir / f"scale_{label}"
    ws = builds.Workspace(raw_dir=base / "raw", work=base / "build")
    ws.work.mkdir(parents=True, exist_ok=True)
    section: dict = {"scale": scale}
    section["generate"] = builds.generate(scale, args.seed, ws.raw_dir)
    log(f"scale {label}: dbt builds (full, rebuild, selected)")
    phases = builds.builds_section(ws, args.repeats, args.short_build_seconds, args.build_timeout)
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
    node_seconds = builds.seconds_by_node(phases[builds.FULL.key])
    section["monitoring"] = guarded(
        "monitoring cost", track_record.cost_section, ws.target, phases, seconds_max=None
    )
    log(f"scale {label}: python model inputs, training")
    section["python_model_inputs"] = guarded(
        "python model inputs", python_model_inputs, manifest, ws.duckdb_path, ok=None
    )
    section["training"] = guarded("training", builds.training_summary, manifest, ws.duckdb_path)
    section["layers"] = guarded("time per layer", builds.layers_section, manifest, phases)
    if scale > DETAIL_MAX_SCALE:
        skipped = (
            f"measured up to scale {DETAIL_MAX_SCALE:g}, where their budgets are: above it the "
            "bench times the builds and their layers"
        )
        section["scoring"] = {"warm_and_cold_skipped": f"scoring {skipped}"}
        section["features_skipped"] = f"the customer-features comparison {skipped}"
        return section
    # scoring reads the warehouse as built, before the feature timing rewrites tables
    section["scoring"] = scoring_section(scale, args, manifest, ws, node_seconds)
    log(f"scale {label}: customer features")
    section["features"] = guarded(
        "customer features",
        features.features_section,
        manifest,
        ws.duckdb_path,
        max(args.repeats, 1),
        node_seconds,
        agree=None,
    )
    return section


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (``--help`` shows this module's docstring)."""
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
    parser.add_argument(
        "--score-sizes",
        nargs="+",
        type=int,
        default=[1_000, 1_000_000],
        help="batch sizes of the warm in-process and cold CLI scoring",
    )
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
        help="the scale whose warehouse the warm and cold scoring run against "
        "(default: the smallest)",
    )
    parser.add_argument(
        "--short-build-seconds",
        type=float,
        default=120.0,
        help="a dbt build longer than this is not repeated",
    )
    parser.add_argument(
        "--api-batch-requests",
        type=int,
        default=200,
        help="REST API: timed warm requests of 1,000 churn records",
    )
    parser.add_argument(
        "--api-single-requests",
        type=int,
        default=10_000,
        help="REST API: single-record requests from --api-clients concurrent clients",
    )
    parser.add_argument("--api-clients", type=int, default=8)
    parser.add_argument(
        "--track-record-builds",
        type=int,
        default=12,
        help="monthly as-of builds into one warehouse at --track-record-scale, for the "
        "prediction log's growth (0 skips them)",
    )
    parser.add_argument(
        "--track-record-scale",
        type=float,
        default=None,
        help="the scale of those builds (default: the largest of --scales)",
    )
    parser.add_argument("--build-timeout", type=float, default=3600.0)
    parser.add_argument("--score-timeout", type=float, default=900.0)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget is missed")
    return parser.parse_args(argv)


def utc_stamp(moment: datetime) -> str:
    """An ISO time stamp in UTC, to the second."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when done, 1 on a missed budget with ``--strict``, 2 when a scale
    failed."""
    args = parse_args(argv)
    args.scratch_dir = args.scratch_dir.resolve()
    args.results_dir = args.results_dir.resolve()
    args.scratch_dir.mkdir(parents=True, exist_ok=True)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    command = [Path(sys.executable).name, "-m", "benchmarks.run"]
    results: dict = {
        "started_at": utc_stamp(started),
        "command": shlex.join([*command, *(argv if argv is not None else sys.argv[1:])]),
        "machine": report.machine_description(),
        "repeats": args.repeats,
        "short_build_seconds": args.short_build_seconds,
        "score_sizes": args.score_sizes,
        "notes": [
            builds.NOTE,
            scoring.note(throughput_settings(args)),
            scoring.rest_api_note(api_settings(args)),
        ],
        "scales": [],
        "budgets": [],
    }
    for scale in args.scales:
        section = bench_scale(scale, args)
        results["scales"].append(section)
        results["budgets"] += budgets.evaluate_budgets(scale, section)
    if args.track_record_builds > 0:
        scale = args.track_record_scale or max(args.scales)
        results["track_record"] = guarded(
            "track record growth",
            track_record.growth_section,
            scale,
            args.seed,
            args.track_record_builds,
            args.scratch_dir,
            args.build_timeout,
            scale=scale,
        )
    results["finished_at"] = utc_stamp(datetime.now(UTC))
    results["budgets_missed"] = budgets.missed(results["budgets"])

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
