"""The benchmark's report: machine description, JSON and markdown files in the results
directory (``bench_<stamp>_scales_<...>.{json,md}``, ``latest.json``, ``latest.md``) and the
printed summary."""

from __future__ import annotations

import json
import os
import platform
import shutil
from importlib import metadata
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from benchmarks import GB, scale_label
from benchmarks.builds import BUILD_COMMANDS, LAYERS
from revenue_ml.ml.runtime import THREADS_ENV


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _first_line_value(path: str, prefix: str) -> str | None:
    """The text after the ``:`` of the first line of ``path`` starting with ``prefix``."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.lower().startswith(prefix.lower()):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def machine_description() -> dict:
    """CPUs, memory, load and the versions that matter for the figures."""
    mem_total = _first_line_value("/proc/meminfo", "MemTotal:")
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": _first_line_value("/proc/cpuinfo", "model name"),
        "memory_gb": round(int(mem_total.split()[0]) * 1024 / GB, 2) if mem_total else None,
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


def fmt(v, digits: int = 3) -> str:
    """A value for a table cell: n/a, yes/NO, a number with thousands separators (floats
    rounded to ``digits``) or the value as text."""
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _rate(seconds: float | None, rows_per_second: float | None, digits: int) -> str:
    return f"{fmt(seconds, digits)} s ({fmt(rows_per_second, 0)}/s)"


def _in_warehouse_rows(scale: str, models: dict) -> list[tuple[str, str, str]]:
    """Summary rows of the in-warehouse scoring: throughput, explanations."""
    if "error" in models:
        return [(scale, "in-warehouse scoring", f"failed: {models['error']}"[:95])]
    rows = []
    for mart, m in models.items():
        p = m["throughput"]
        rows.append(
            (
                scale,
                f"in-warehouse {mart} ({'.'.join(m['function'].split('.')[-2:])})",
                f"{_rate(p['seconds_median'], p['rows_per_second'], 3)} on {p['rows']:,} "
                f"rows ({m['input_rows']:,} replicated); dbt node "
                f"{fmt(m['dbt_node_seconds'], 2)} s",
            )
        )
        e = m["explanations"]
        if e is not None:
            share = "n/a" if e["share_explained"] is None else f"{e['share_explained']:.1%}"
            rows.append(
                (
                    scale,
                    f"explanations {mart}",
                    f"{e['mart_rows_explained']:,} of {e['mart_rows']:,} rows ({share}); "
                    f"{fmt(e['all_rows']['rows_per_second'], 0)} rows/s explaining all",
                )
            )
    return rows


def _warm_and_cold_rows(scale: str, sc: dict) -> list[tuple[str, str, str]]:
    """Summary rows of the warm in-process and cold command scoring."""
    if sc.get("warm_and_cold_skipped"):
        return [(scale, "warm and cold scoring", sc["warm_and_cold_skipped"])]
    rows = []
    warm = sc.get("warm_in_process", {})
    if warm.get("available"):
        for label, sizes in (
            ("warm score", warm["sizes"]),
            ("warm score + top driver", warm["explained_sizes"]),
        ):
            rows += [
                (
                    scale,
                    f"{label} {int(n):,} rows",
                    _rate(e["seconds_median"], e["rows_per_second"], 4),
                )
                for n, e in sizes.items()
            ]
    else:
        rows.append((scale, "warm score", f"not available: {warm.get('reason')}"[:95]))
    cold = sc.get("cold_command", {})
    if cold.get("available"):
        rows += [
            (
                scale,
                f"cold CLI score {int(e['rows']):,} rows"
                + (" with reasons" if n.endswith("_with_reasons") else ""),
                _rate(e["seconds"], e["rows_per_second"], 2)
                if "rows_per_second" in e
                else "failed",
            )
            for n, e in cold["sizes"].items()
        ]
    else:
        rows.append((scale, "cold CLI score", f"not available: {cold.get('reason')}"[:95]))
    return rows


def _rest_api_rows(scale: str, rest_api: dict | None) -> list[tuple[str, str, str]]:
    """Summary rows of the REST API section."""
    if not rest_api or not rest_api.get("available"):
        reason = (rest_api or {}).get("reason") or (rest_api or {}).get("error") or "not measured"
        return [(scale, "REST API", f"not available: {reason}"[:95])]
    batch, single = rest_api["batch_1000"], rest_api["single_record_concurrent"]
    return [
        (
            scale,
            f"REST API batch of {batch['records_per_request']:,} churn records",
            f"p50 {batch['seconds_p50']:.4f} s, p99 {batch['seconds_p99']:.4f} s "
            f"({batch['requests']:,} warm requests, {batch['errors']} errors)",
        ),
        (
            scale,
            f"REST API {single['requests']:,} single-record requests, {single['clients']} clients",
            f"{single['requests_per_second']:,.0f} requests/s, {single['errors']} errors, "
            f"p50 {single['seconds_p50']:.4f} s, p99 {single['seconds_p99']:.4f} s",
        ),
    ]


def _scoring_rows(scale: str, sc: dict) -> list[tuple[str, str, str]]:
    """Summary rows of one scale's scoring section."""
    rows = _in_warehouse_rows(scale, sc.get("in_warehouse", {})) + _warm_and_cold_rows(scale, sc)
    if "rest_api" in sc:  # measured with warm and cold scoring, at one scale
        rows += _rest_api_rows(scale, sc["rest_api"])
    return rows


def _build_rows(scale: str, builds: dict) -> list[tuple[str, str, str]]:
    """Summary rows of one scale's builds."""
    rows = []
    for command in BUILD_COMMANDS:
        phase = builds.get(command.key)
        if phase:
            rows.append(
                (
                    scale,
                    phase["label"],
                    f"{fmt(phase['seconds_median'], 1)} s (median of {len(phase['runs'])}), "
                    f"{phase['nodes']} nodes, peak RSS {fmt(phase['peak_rss_gb_max'], 2)} GB",
                )
            )
    p = builds.get("selected_vs_full")
    if p and p["ratio"] is not None:
        rows.append(
            (
                scale,
                "selected build: time share / node share",
                f"{p['time_share']:.1%} / {p['node_share']:.1%} = {p['ratio']:.2f}x",
            )
        )
    return rows


def _training_rows(scale: str, training: dict) -> list[tuple[str, str, str]]:
    """Summary rows of what the full build trained."""
    if "error" in training:
        return [(scale, "training", f"not available: {training['error']}"[:95])]
    if not training:  # the scale stopped before training was read (its error is reported)
        return [(scale, "training", "not measured")]
    return [
        (
            scale,
            "training threads (resolved)",
            f"{training['resolved_threads']} (ml_threads var {training['ml_threads_var']!r}, "
            f"{THREADS_ENV} {training['threads_env'] or 'unset'}, dbt threads "
            f"{training['dbt_threads']})",
        ),
        (scale, "training seconds, all models", fmt(training["training_seconds_total"], 1)),
    ]


def _feature_rows(scale: str, f: dict) -> list[tuple[str, str, str]]:
    """Summary rows of the customer features comparison."""
    rows = [(scale, "transactions staged", fmt(f.get("transaction_rows")))]
    for key, label in (
        ("project_sql", "features: project SQL"),
        ("handwritten_sql", "features: hand-written SQL"),
        ("pandas", "features: pandas"),
    ):
        rows.append((scale, label, fmt((f.get(key) or {}).get("seconds_median")) + " s"))
    rows.append((scale, "pandas / project SQL", fmt(f.get("sql_speedup_vs_pandas"), 2) + "x"))
    rows.append((scale, "project / hand-written", fmt(f.get("project_vs_handwritten"), 2) + "x"))
    rows.append((scale, "features agree", fmt(f.get("agree"))))
    return rows


def summary_rows(results: dict) -> list[tuple[str, str, str]]:
    """(scale, measure, value) rows of the summary table."""
    rows = []
    for s in results["scales"]:
        scale = scale_label(s["scale"])
        rows += _build_rows(scale, s.get("builds", {}))
        rows += _training_rows(scale, s.get("training", {}))
        if "features_skipped" in s:
            rows.append((scale, "customer features and scoring", s["features_skipped"]))
        else:
            rows += _feature_rows(scale, s.get("features", {}))
        rows += _scoring_rows(scale, s.get("scoring", {}))
        ok = s.get("python_model_inputs", {}).get("ok")
        rows.append((scale, "python models read no transaction rows", fmt(ok)))
    return rows


def budget_rows(results: dict) -> list[tuple[str, ...]]:
    """(scale, budget, model, limit, value, status) rows of the budget table; a rehearsal row
    (a budget for another scale) says so in its status."""
    op = {"max": "<=", "min": ">=", "lt": "<", "true": "="}
    rows = []
    for b in results["budgets"]:
        limit = fmt(b["limit"]) if isinstance(b["limit"], bool) else f"{b['limit']:,g}"
        status = b["status"]
        if not b["applies"]:
            scales = ", ".join(scale_label(x) for x in b["budget_scales"])
            status += f" (rehearsal; budget for scale {scales})"
        rows.append(
            (
                scale_label(b["scale"]),
                b["description"],
                b["subject"] or "-",
                f"{op[b['kind']]} {limit} {b['unit']}".rstrip(),
                b["figure"],
                status,
            )
        )
    return rows


BUDGET_HEADER = ("scale", "budget", "model", "limit", "value", "status")


def _md_table(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(str(c) for c in r) + " |" for r in rows),
    ]


def _scale_details(s: dict) -> list[str]:
    """Markdown sections of one scale: build runs, training, slowest nodes, violations."""
    scale = scale_label(s["scale"])
    builds = s.get("builds", {})
    lines = []
    runs = [
        (
            key,
            i,
            r["seconds"],
            r["peak_rss_gb"],
            "full" if r["full_parse"] else "partial",
            r["returncode"],
        )
        for key in (c.key for c in BUILD_COMMANDS)
        if key in builds
        for i, r in enumerate(builds[key]["runs"], 1)
    ]
    if runs:
        lines += [
            "",
            f"## Build runs, scale {scale}",
            "",
            *_md_table(("build", "run", "seconds", "peak RSS GB", "parse", "exit"), runs),
        ]
    models = s.get("training", {}).get("models", [])
    if models:
        lines += [
            "",
            f"## Training, scale {scale} (latest registered versions)",
            "",
            *_md_table(
                ("model", "version", "threads", "training seconds"),
                [
                    (
                        m["model_name"],
                        m["model_version"],
                        m["training_threads"],
                        fmt(m["training_seconds"], 2),
                    )
                    for m in models
                ],
            ),
        ]
    nodes = builds.get("full", {}).get("node_times", [])
    if nodes:
        lines += [
            "",
            f"## Slowest nodes of the full build, scale {scale}",
            "",
            *_md_table(
                ("node", "seconds"), [(n["unique_id"], n["execution_time"]) for n in nodes[:10]]
            ),
        ]
    viol = s.get("python_model_inputs", {}).get("violations", [])
    if viol:
        lines += ["", "Python models reading transaction-level rows:", ""]
        lines += [f"- {v['python_model']} <- {v['parent']} ({v['rows']} rows)" for v in viol]
    return lines


def layer_lines(results: dict) -> list[str]:
    """The node time of each layer, full build and rebuild, at every scale of the run, and how
    the full build's grew from each scale to the next."""
    scales = [s for s in results["scales"] if s.get("layers") and "error" not in s["layers"]]
    if not scales:
        return []
    header = ["layer"]
    for s in scales:
        label = scale_label(s["scale"])
        header += [f"scale {label} full", f"scale {label} rebuild"]
    for before, after in zip(scales[:-1], scales[1:], strict=True):
        header.append(f"full {scale_label(before['scale'])} -> {scale_label(after['scale'])}")
    rows = []
    for layer in LAYERS:
        row = [layer]
        for s in scales:
            for key in ("full", "rebuild"):
                cell = s["layers"].get(key, {}).get(layer)
                row.append(f"{cell['seconds']:.1f} s ({cell['nodes']})" if cell else "-")
        for before, after in zip(scales[:-1], scales[1:], strict=True):
            a = before["layers"].get("full", {}).get(layer, {}).get("seconds")
            b = after["layers"].get("full", {}).get(layer, {}).get("seconds")
            row.append(f"{b / a:.1f}x" if a and b is not None else "-")
        rows.append(tuple(row))
    return [
        "",
        "## Time per layer",
        "",
        "Summed node times (both dbt threads; the number of nodes in brackets) of the last run "
        "of each build; the growth columns divide the full build's time at one scale by the "
        "scale before.",
        "",
        *_md_table(tuple(header), rows),
    ]


def markdown(results: dict) -> str:
    """The markdown report."""
    m = results["machine"]
    lines = [
        f"# Benchmark {results['started_at']}",
        "",
        f"Command: `{results['command']}`",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB RAM, "
        f"load average at start {m['load_average_at_start']}; Python {m['python']}, "
        f"DuckDB {m['duckdb']}, dbt-core {m['dbt_core']}, dbt-duckdb {m['dbt_duckdb']}, "
        f"pandas {m['pandas']}, LightGBM {m['lightgbm']}.",
        "",
        f"Repeats: {results['repeats']} (median reported; a dbt build longer than "
        f"{results['short_build_seconds']} s is run once).",
        "",
        *(f"- {note}" for note in results["notes"]),
        "",
        "## Summary",
        "",
        *_md_table(("scale", "measure", "value"), summary_rows(results)),
        "",
        "## Budgets",
        "",
        *_md_table(BUDGET_HEADER, budget_rows(results)),
    ]
    lines += layer_lines(results)
    for s in results["scales"]:
        lines += _scale_details(s)
    lines += track_record_lines(results.get("track_record"))
    return "\n".join(lines) + "\n"


TRACK_RECORD_HEADER = ("build", "data as of", "build s", "log rows", "log storage MB", "file MB")


def track_record_rows(growth: dict | None) -> list[tuple[str, ...]]:
    """One row per monthly as-of build of the growth run (benchmarks.track_record)."""
    return [
        (
            str(i),
            b["as_of"],
            f"{b['build_seconds']:.1f}",
            f"{b['rows']:,}",
            f"{b['storage_mb']:.2f}",
            f"{b['file_mb']:.1f}",
        )
        for i, b in enumerate((growth or {}).get("builds", []), start=1)
    ]


def track_record_lines(growth: dict | None) -> list[str]:
    """The markdown section of the growth run (none when it was skipped)."""
    if not growth:
        return []
    lines = [
        "",
        f"## The prediction log over monthly builds (scale {scale_label(growth['scale'])})",
        "",
    ]
    if "error" in growth:
        lines += [f"Not measured: {growth['error']}", ""]
    return lines + _md_table(TRACK_RECORD_HEADER, track_record_rows(growth))


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A plain-text table with aligned columns."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for r in rows:
        print(line.format(*r))


def write(results: dict, results_dir: Path, stamp: str) -> tuple[Path, Path]:
    """Write the JSON and markdown reports and copy them to ``latest.*``."""
    scales = "_".join(scale_label(s["scale"]) for s in results["scales"])
    json_path = results_dir / f"bench_{stamp}_scales_{scales}.json"
    md_path = json_path.with_suffix(".md")
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    md_path.write_text(markdown(results))
    shutil.copyfile(json_path, results_dir / "latest.json")
    shutil.copyfile(md_path, results_dir / "latest.md")
    return json_path, md_path


def print_summary(results: dict) -> None:
    """The summary and budget tables on stdout."""
    print()
    print_table(("scale", "measure", "value"), summary_rows(results))
    print()
    print_table(BUDGET_HEADER, budget_rows(results))
    rows = track_record_rows(results.get("track_record"))
    if rows:
        print()
        print_table(TRACK_RECORD_HEADER, rows)
