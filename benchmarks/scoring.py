"""Scoring throughput with the registered models.

- in-warehouse: the package's scoring functions, the ones the Python scoring models run, timed
  in-process on the features and registry read from the built warehouse (dbt start-up
  excluded): probabilities with explanations off, and the cost of the explanations;
- warm in-process: the offer model through ``scoring.score`` at fixed batch sizes (the
  reference's REST call is 1,000 rows);
- cold command: the churn scoring CLI as a fresh process;
- REST API: the scoring service over HTTP (:func:`rest_api_section`): warm 1,000-record
  batches and concurrent single-record requests.
"""

from __future__ import annotations

import http.client
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from types import ModuleType
from unittest import mock

import duckdb
import numpy as np
import pandas as pd

from benchmarks import REPO_ROOT, log, names, timed
from benchmarks.warehouse import Manifest, connect
from revenue_ml.domains import campaign, churn, ecommerce, enrollment, sales
from revenue_ml.ml import lifecycle, scoring


def resize(frame: pd.DataFrame, rows: int, key: str | None = None) -> pd.DataFrame:
    """``frame``'s rows repeated (or cut) to ``rows`` rows; ``key`` made unique again."""
    idx = np.resize(np.arange(len(frame)), rows)
    out = frame.iloc[idx].reset_index(drop=True)
    if key:
        out[key] = (
            [f"bench-{i}" for i in range(rows)] if out[key].dtype == object else np.arange(rows)
        )
    return out


def per_second(rows: int, seconds: float | None) -> float | None:
    """Rows per second, None without a positive time."""
    return round(rows / seconds, 1) if seconds else None


# --- in-warehouse: the package's scoring functions ---------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What a scoring Python model reads: its features, its registry and the build settings
    (``ml.build_settings``)."""

    features: pd.DataFrame
    registry: pd.DataFrame
    build_settings: pd.DataFrame


def features_and_registry(inputs: Inputs) -> tuple:
    """What most scoring functions take: the features and the registry."""
    return inputs.features, inputs.registry


@dataclass(frozen=True)
class ScoringModel:
    """A scoring Python model: the mart it builds, the package function it calls and how."""

    mart: str
    function: Callable[..., pd.DataFrame]
    features: str
    registry: str
    #: Key column made unique when rows are replicated (None: no key to keep unique).
    key: str | None
    #: The function's arguments, as the Python model passes them.
    arguments: Callable[[Inputs], tuple] = features_and_registry
    #: Domain module whose ``scoring.score`` calls explain rows (None: no explanations).
    explains: ModuleType | None = None
    #: The rows of the features the function scores (the others it ignores).
    scored_rows: Callable[[pd.DataFrame], pd.DataFrame] = lambda features: features

    @property
    def function_name(self) -> str:
        """The package function's dotted name."""
        return f"{self.function.__module__}.{self.function.__name__}"


def with_settings(settings: type) -> Callable[[Inputs], tuple]:
    """The arguments of a function that also takes its domain's settings (``settings``, read
    from the build settings as the Python model does)."""
    return lambda i: (i.features, i.registry, settings.from_table(i.build_settings))


def _forecast_rows(features: pd.DataFrame) -> pd.DataFrame:
    """The enrollment rows the forecast scores: the forecast period's classes."""
    return features[features["is_forecast_row"].astype(bool)].reset_index(drop=True)


SCORING_MODELS = [
    ScoringModel(
        names.CHURN_PREDICTIONS,
        churn.score_customers,
        names.CHURN_FEATURES,
        names.CHURN_REGISTRY,
        churn.KEY,
        explains=churn,
    ),
    ScoringModel(
        names.OFFER_PREDICTIONS,
        sales.score_offers,
        names.OFFER_FEATURES,
        names.OFFER_REGISTRY,
        sales.KEY,
        explains=sales,
    ),
    ScoringModel(
        names.CAMPAIGN_PREDICTIONS,
        campaign.score_customers,
        names.CAMPAIGN_FEATURES,
        names.CAMPAIGN_REGISTRY,
        campaign.KEY,
        explains=campaign,
    ),
    ScoringModel(
        names.CAMPAIGN_SEGMENTS,
        campaign.segment,
        names.CAMPAIGN_FEATURES,
        names.CAMPAIGN_REGISTRY,
        campaign.KEY,
    ),
    ScoringModel(
        names.ECOMMERCE_ASSIGNMENTS,
        ecommerce.assign,
        names.CUSTOMER_FEATURES,
        names.ECOMMERCE_REGISTRY,
        ecommerce.KEY,
        arguments=with_settings(ecommerce.Settings),
    ),
    ScoringModel(
        names.ENROLLMENT_PREDICTIONS,
        enrollment.forecast,
        names.ENROLLMENT_FEATURES,
        names.ENROLLMENT_REGISTRY,
        None,
        arguments=with_settings(enrollment.Settings),
        scored_rows=_forecast_rows,
    ),
]


@contextmanager
def explanations(module: ModuleType | None, every_row: bool) -> Iterator[None]:
    """Inside, the domain ``module``'s calls to ``scoring.score`` explain every row (True) or
    none (False) instead of the rows the domain picks; the scoring function otherwise runs as
    in the build. Nothing changes for a model without explanations (``module`` None)."""
    if module is None:
        yield
        return
    if module.score is not scoring.score:
        raise RuntimeError(f"{module.__name__} no longer scores through scoring.score")

    def score(*args, explain: object = None, **kwargs) -> pd.DataFrame:
        return scoring.score(*args, explain=every_row, **kwargs)

    with mock.patch.object(module, "score", score):
        yield


def replicated_call(model: ScoringModel, inputs: Inputs, rows: int) -> Callable[[], pd.DataFrame]:
    """The model's function, ready to call on ``inputs``' scored rows replicated to ``rows``
    rows (the arguments are prepared outside the timed call, as dbt reads them first)."""
    batch = replace(inputs, features=resize(model.scored_rows(inputs.features), rows, model.key))
    return partial(model.function, *model.arguments(batch))


def time_model(model: ScoringModel, inputs: Inputs, rows: int, repeats: int) -> dict:
    """The function on ``inputs``' scored rows replicated to ``rows`` rows (explanations off):
    median seconds and rows per second."""
    call = replicated_call(model, inputs, rows)
    with explanations(model.explains, False):
        timing, scored = timed(call, repeats)
    return {
        "rows": rows,
        "output_rows": len(scored),
        **timing,
        "rows_per_second": per_second(rows, timing["seconds_median"]),
    }


def time_explanations(model: ScoringModel, inputs: Inputs, rows: int, repeats: int) -> dict:
    """Rows explained per second when every row is explained: ``rows`` replicated rows scored
    with every row explained and with none; the difference is the explanations' time."""
    call = replicated_call(model, inputs, rows)
    seconds = {}
    for every_row in (True, False):
        with explanations(model.explains, every_row):
            timing, _ = timed(call, repeats)
            seconds[every_row] = timing["seconds_median"]
    cost = seconds[True] - seconds[False]
    return {
        "rows": rows,
        "seconds_all_explained": seconds[True],
        "seconds_none_explained": seconds[False],
        "rows_per_second": per_second(rows, cost if cost > 0 else None),
    }


def mart_explained(con: duckdb.DuckDBPyConnection, relation: str) -> dict:
    """Rows of a scoring mart and how many of them the build explained (top driver set)."""
    ((total, explained),) = con.sql(
        f"select count(*), count(top_feature) from {relation}"
    ).fetchall()
    return {
        "mart_rows": int(total),
        "mart_rows_explained": int(explained),
        "share_explained": explained / total if total else None,
    }


@dataclass(frozen=True)
class ThroughputSettings:
    """Sizes of the in-warehouse measures."""

    #: Every model's scored rows are replicated to at least this many rows.
    rows: int
    #: Replicated rows every row of which is explained, for the explanation rate.
    explain_rows: int
    repeats: int


def measure_model(
    model: ScoringModel,
    manifest: Manifest,
    con: duckdb.DuckDBPyConnection,
    settings: ThroughputSettings,
    build_node_seconds: dict[str, float],
) -> dict:
    """One scoring model: throughput, and for a model with explanations their share and rate."""
    inputs = Inputs(
        features=con.sql(f"select * from {manifest.relation(model.features)}").df(),
        registry=con.sql(f"select * from {manifest.relation(model.registry)}").df(),
        build_settings=con.sql(f"select * from {manifest.source(*names.BUILD_SETTINGS)}").df(),
    )
    model.function(*model.arguments(inputs))  # warm-up: imports, first-call paths
    input_rows = len(model.scored_rows(inputs.features))
    out = {
        "function": model.function_name,
        "input_rows": input_rows,
        "dbt_node_seconds": build_node_seconds.get(manifest.node(model.mart)["unique_id"]),
        "throughput": time_model(model, inputs, max(settings.rows, input_rows), settings.repeats),
        "explanations": None,
    }
    if model.explains is not None:
        out["explanations"] = {
            **mart_explained(con, manifest.relation(model.mart)),
            "all_rows": time_explanations(model, inputs, settings.explain_rows, settings.repeats),
        }
    return out


def in_warehouse_scoring(
    manifest: Manifest,
    duckdb_path: Path,
    settings: ThroughputSettings,
    build_node_seconds: dict[str, float],
) -> dict:
    """Every scoring model's in-process throughput on the built warehouse."""
    out = {}
    with connect(duckdb_path, read_only=True) as con:
        for model in SCORING_MODELS:
            log(f"  scoring: in-warehouse {model.mart} ({model.function_name})")
            out[model.mart] = measure_model(model, manifest, con, settings, build_node_seconds)
    return out


def note(settings: ThroughputSettings) -> str:
    """How the in-warehouse scoring is measured, for the report."""
    return (
        "In-warehouse scoring: the package's scoring functions (what the Python scoring models "
        "run) are timed in-process on the features and registry read from the built warehouse, "
        "dbt start-up excluded. Each model's scored rows are replicated (keys made unique) to "
        f"at least {settings.rows:,} rows, so that fixed overhead does not dominate the "
        "figure (the enrollment forecast has a few hundred rows); rows/s = input rows / median "
        "seconds (campaign.segment returns two rows per customer: one per k). Probabilities are "
        "timed with explanations off (scoring.score(..., explain=False) forced inside the "
        "domain function). Explanations: the share of each scoring mart's rows the build "
        "explained (top_feature not null), and the rows explained per second when every row of "
        f"{settings.explain_rows:,} replicated rows is explained (time with every row explained "
        "minus time with none)."
    )


# --- warm in-process and cold command -----------------------------------------------------------


def _time_sizes(
    features: pd.DataFrame, record: dict, spec, sizes: list[int], repeats: int, explain: bool
) -> dict:
    """``scoring.score`` at each batch size (large batches once)."""
    out = {}
    for n in sizes:
        batch = resize(features, n, spec.key)
        score = partial(scoring.score, batch, record, spec, explain=explain)
        timing, scored = timed(score, repeats if n <= 10_000 else 1)
        assert len(scored) == n
        out[str(n)] = {
            "rows": n,
            **timing,
            "rows_per_second": per_second(n, timing["seconds_median"]),
        }
    return out


def warm_scoring(
    manifest: Manifest,
    duckdb_path: Path,
    sizes: list[int],
    repeats: int,
    explained_sizes: list[int],
) -> dict:
    """The offer model (at_open) from the registry, scored in-process with scoring.score:
    probability + label for ``sizes``; with the top driver (LightGBM pred_contrib, ~20x the
    prediction's cost) for ``explained_sizes``."""
    try:
        with connect(duckdb_path, read_only=True) as con:
            registry = con.sql(f"select * from {manifest.relation(names.OFFER_REGISTRY)}").df()
            features = con.sql(f"select * from {manifest.relation(names.OFFER_FEATURES)}").df()
        spec = sales.specs(frozenset())["at_open"]
        record = lifecycle.champion(registry, spec.name)
    except Exception as exc:  # noqa: BLE001
        return {"available": False, "reason": repr(exc)}
    scoring.score(features.head(10), record, spec)  # warm-up: imports, model load paths
    return {
        "available": True,
        "model_name": spec.name,
        "model_version": int(record["model_version"]),
        "model_format": record.get("model_format"),
        "sizes": _time_sizes(features, record, spec, sizes, repeats, explain=False),
        "explained_sizes": _time_sizes(
            features, record, spec, explained_sizes, repeats, explain=True
        ),
    }


#: A file scored with its reasons, as the dashboard's Score a file does: 50,000 churn rows.
FILE_WITH_REASONS_ROWS = 50_000


def cold_scoring(
    duckdb_path: Path, raw_dir: Path, work: Path, sizes: list[int], timeout: float
) -> dict:
    """The churn scoring CLI as a fresh process (python start, imports, registry read): the
    ``sizes`` (without reasons above 10,000 rows), then a file of
    :data:`FILE_WITH_REASONS_ROWS` rows with its reasons (``<n>_with_reasons``)."""
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
    runs = [(n, n > 10_000) for n in sizes] + [(FILE_WITH_REASONS_ROWS, False)]
    for n, quiet in runs:
        label = str(n) if quiet or n <= 10_000 else f"{n}_with_reasons"
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
        if quiet:
            cmd.append("--no-explain")  # large batches: probability + label only
        out["command"] = shlex.join(cmd)
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            out["sizes"][label] = {"rows": n, "error": f"timed out after {timeout} s"}
            continue
        sec = time.perf_counter() - start
        entry = {"rows": n, "seconds": round(sec, 3), "returncode": proc.returncode}
        if proc.returncode == 0:
            entry["rows_per_second"] = round(n / sec, 1)
        else:
            entry["error"] = (proc.stdout + proc.stderr)[-1500:]
        out["sizes"][label] = entry
        input_path.unlink(missing_ok=True)
        output_path.unlink(missing_ok=True)
    if all("error" in e for e in out["sizes"].values()):
        out["available"] = False
        out["reason"] = "every run failed (see sizes)"
    return out


def warm_and_cold_scoring(
    manifest: Manifest,
    duckdb_path: Path,
    raw_dir: Path,
    work: Path,
    sizes: list[int],
    repeats: int,
    timeout: float,
) -> dict:
    """Warm in-process scoring of the offer model and cold scoring with the churn CLI."""
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
    return {"warm_in_process": warm, "cold_command": cold}


# --- REST API -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiSettings:
    """Sizes of the REST API measures."""

    #: Timed warm requests of a 1,000-record churn batch (after a few warm-up requests).
    batch_requests: int
    #: Single-record requests, sent by ``clients`` concurrent clients.
    single_requests: int
    clients: int
    batch_rows: int = 1_000
    warmup: int = 10


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 5) if values else None


class _Client:
    """One keep-alive HTTP connection to the service."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=120)

    def post(self, path: str, body: bytes) -> tuple[int, float]:
        start = time.perf_counter()
        self.connection.request("POST", path, body, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - start

    def close(self) -> None:
        self.connection.close()


def _batch_latency(url: str, body: bytes, settings: ApiSettings) -> dict:
    """p50/p99 of warm ``batch_rows``-record requests, one client, sequential."""
    client = _Client(url)
    times, errors = [], 0
    try:
        for i in range(settings.warmup + settings.batch_requests):
            status, seconds = client.post("/score/churn", body)
            errors += status != 200
            if i >= settings.warmup:
                times.append(seconds)
    finally:
        client.close()
    return {
        "records_per_request": settings.batch_rows,
        "request_bytes": len(body),
        "requests": len(times),
        "errors": errors,
        "seconds_p50": _percentile(times, 50),
        "seconds_p99": _percentile(times, 99),
        "seconds_mean": round(float(np.mean(times)), 5) if times else None,
    }


def _concurrent_singles(url: str, bodies: list[bytes], settings: ApiSettings) -> dict:
    """``single_requests`` requests of one record from ``clients`` concurrent clients (each
    its own keep-alive connection): errors, requests per second, latency."""
    per_client = [settings.single_requests // settings.clients] * settings.clients
    per_client[0] += settings.single_requests - sum(per_client)

    def run(args: tuple[int, int]) -> tuple[list[float], int]:
        offset, count = args
        client, times, errors = _Client(url), [], 0
        try:
            for i in range(count):
                try:
                    status, seconds = client.post(
                        "/score/churn", bodies[(offset + i) % len(bodies)]
                    )
                except (OSError, http.client.HTTPException):
                    client.close()
                    client = _Client(url)
                    errors += 1
                    continue
                errors += status != 200
                times.append(seconds)
        finally:
            client.close()
        return times, errors

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=settings.clients) as pool:
        results = list(pool.map(run, [(i * 997, n) for i, n in enumerate(per_client)]))
    elapsed = time.perf_counter() - start
    times = [t for ts, _ in results for t in ts]
    errors = sum(e for _, e in results)
    return {
        "requests": settings.single_requests,
        "clients": settings.clients,
        "errors": errors,
        "seconds": round(elapsed, 3),
        "requests_per_second": round(settings.single_requests / elapsed, 1),
        "seconds_p50": _percentile(times, 50),
        "seconds_p99": _percentile(times, 99),
    }


def rest_api_section(duckdb_path: Path, raw_dir: Path, work: Path, settings: ApiSettings) -> dict:
    """The REST scoring service (:mod:`revenue_ml.serve`) as a real uvicorn process on a free
    port, reading the built warehouse (opened read-only, read, closed): the p50/p99 latency of
    a warm 1,000-record churn batch end to end over HTTP (one keep-alive client, sequential),
    and ``single_requests`` single-record requests from ``clients`` concurrent clients (errors,
    requests per second, latency)."""
    from revenue_ml.serve.process import running_service

    raw_file = raw_dir / "telco_churn" / "churn-bigml-80.csv"
    if not raw_file.is_file():
        return {"available": False, "reason": f"{raw_file} missing"}
    raw = pd.read_csv(raw_file, dtype=str, keep_default_na=False).drop(columns=["Churn"])
    batch = resize(raw, settings.batch_rows).to_dict("records")
    singles = [json.dumps([r]).encode() for r in raw.head(1_000).to_dict("records")]
    log_path = work / "rest_api_service.log"
    try:
        with running_service(["--warehouse", str(duckdb_path)], log_path) as service:
            return {
                "available": True,
                "command": "python -m revenue_ml.serve --warehouse <warehouse> (uvicorn, 1 worker)",
                "batch_1000": _batch_latency(service.url, json.dumps(batch).encode(), settings),
                "single_record_concurrent": _concurrent_singles(service.url, singles, settings),
            }
    except RuntimeError as exc:  # the service did not start: say why
        return {"available": False, "reason": str(exc)[-1500:]}


def rest_api_note(settings: ApiSettings) -> str:
    """How the REST API is measured, for the report."""
    return (
        "REST API: the scoring service (python -m revenue_ml.serve, uvicorn, one worker) runs "
        "as its own process on 127.0.0.1, loading the champions from the built warehouse. "
        f"Batch: {settings.batch_requests} warm POST /score/churn requests of "
        f"{settings.batch_rows:,} raw records (after {settings.warmup} warm-up requests), one "
        "keep-alive client, sequential; p50/p99 of the end-to-end time (JSON body sent, features "
        "computed with the SQL twin, scored, JSON answer read). Concurrency: "
        f"{settings.single_requests:,} requests of one record from {settings.clients} "
        "concurrent clients (threads, one keep-alive connection each, in the benchmark's "
        "process on the same machine): errors and requests per second."
    )
